"""Reading and writing ``api.yaml`` at the configured path: validated first, errors in the operator's terms."""

from __future__ import annotations

from pathlib import Path

from core import files
from core.errors import ConfigWriteError
from core.uniapi.schema import validate

_PATH_HINT = "check UNIAPI_CONFIG_PATH and the permissions of that directory"


def read_config(path: Path) -> str | None:
    """The file's text exactly as stored (line endings included); None when it does not exist."""
    try:
        return files.read_text(path)
    except UnicodeDecodeError as error:
        raise ConfigWriteError(f"{path} is not UTF-8 text (byte {error.start}); fix or move it by hand") from None
    except OSError as error:
        raise ConfigWriteError(f"Cannot read {path}: {error.strerror or error}; {_PATH_HINT}") from None


def write_config(path: Path, text: str, *, in_place: bool | None = None) -> bool:
    """Validate ``text`` and store it at ``path``; False (and nothing touched) when the file already holds it.

    ``in_place`` None decides by itself: a single-file bind mount must be overwritten in place (a rename
    is not seen through it); otherwise a temp file is renamed over the old one, so a reader never sees
    half a file. An invalid document is never written.
    """
    problems = validate(text)
    if problems:
        raise ConfigWriteError(f"Refusing to write an invalid {Path(path).name}: " + "; ".join(problems))
    try:
        return files.write_bytes(path, text.encode("utf-8"), in_place=in_place)
    except OSError as error:
        raise ConfigWriteError(f"Cannot write {path}: {error.strerror or error}; {_PATH_HINT}") from None
