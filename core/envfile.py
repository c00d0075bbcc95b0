"""First-run helper behind `make run`: a local .env with a fresh encryption key."""

from __future__ import annotations

from pathlib import Path

from dotenv import dotenv_values

from core.crypto import generate_key


def ensure_env_file(path: Path) -> str | None:
    """Create ``path`` (or add the missing key to it); returns what was done, or None when nothing was needed."""
    if path.is_file() and dotenv_values(path).get("ENCRYPTION_KEY"):
        return None
    existed = path.is_file()
    prefix = "" if not existed or path.read_text().endswith("\n") or not path.read_text() else "\n"
    with path.open("a", encoding="utf-8") as env:
        env.write(
            f"{prefix}# Encrypts provider API keys at rest. Back it up: without it the stored keys cannot be read.\n"
            f"ENCRYPTION_KEY={generate_key()}\n"
        )
    path.chmod(0o600)
    return f"Added a fresh ENCRYPTION_KEY to {path}." if existed else f"Created {path} with a fresh ENCRYPTION_KEY."
