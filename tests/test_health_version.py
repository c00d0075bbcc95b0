"""/api/health names the version of the code that runs, wherever it runs (issue 15, point 1): a checkout, the
image (source copied with its pyproject.toml, the package never installed) and a wheel (metadata only)."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError

from core.rest import health
from core.settings import PROJECT_ROOT

DECLARED = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]


async def test_health_reports_the_version_pyproject_declares(api):
    assert (await api.get("/api/health")).json()["version"] == DECLARED


def test_source_without_installed_metadata_reads_its_pyproject(tmp_path, monkeypatch):
    """The image copies the source and pyproject.toml into /app and installs only the dependencies."""

    def not_installed(name: str) -> str:
        raise PackageNotFoundError(name)

    monkeypatch.setattr(health, "version", not_installed)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "llm-provider-manager"\nversion = "9.8.7"\n')
    assert health._version.__wrapped__(tmp_path) == "9.8.7"
    assert health._version.__wrapped__(tmp_path / "elsewhere") == "unknown"


def test_installed_wheel_without_pyproject_reads_its_metadata(tmp_path, monkeypatch):
    monkeypatch.setattr(health, "version", lambda name: "1.2.3" if name == "llm-provider-manager" else "0")
    assert health._version.__wrapped__(tmp_path) == "1.2.3"
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "another-project"\nversion = "4.5.6"\n')
    assert health._version.__wrapped__(tmp_path) == "1.2.3"  # a foreign pyproject.toml is not ours
