"""Write the secrets a fresh install needs into ``.env``: behind `make run` and the docker-compose quick start.

Standard library only, so ``python3 -m core.envfile --compose`` works on a host that has Docker but
no virtual environment. A value that is already set is never replaced: replacing ENCRYPTION_KEY would
make every stored API key unreadable.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = PROJECT_ROOT / ".env.example"
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def fernet_key() -> str:
    """A key in Fernet's format (32 random bytes, url-safe base64), without importing cryptography."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def password() -> str:
    return secrets.token_urlsafe(24)


# What each secret is for, and how to make one; the order is the order they are written in.
GENERATORS: dict[str, Callable[[], str]] = {
    "ENCRYPTION_KEY": fernet_key,
    "ADMIN_PASSWORD": password,
    "GPTLOAD_AUTH_KEY": password,
}
LOCAL = ("ENCRYPTION_KEY",)
COMPOSE = tuple(GENERATORS)


def assigned_values(text: str) -> dict[str, str]:
    """``NAME=value`` lines of a dotenv text (quotes removed); enough to tell which names are set."""
    values = {}
    for line in text.splitlines():
        if match := _ASSIGNMENT.match(line):
            name, value = match.groups()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            values[name] = value
    return values


def ensure_env_file(path: Path, names: tuple[str, ...] = LOCAL, *, template: Path = TEMPLATE) -> str | None:
    """Give every name in ``names`` a fresh value in ``path`` unless it has one; None when nothing was needed.

    A missing file starts as a copy of ``.env.example`` (every setting, documented), so the operator
    finds the others where the generated ones are.
    """
    existed = path.is_file()
    text = path.read_text(encoding="utf-8") if existed else _template_text(template)
    current = assigned_values(text)
    missing = [name for name in names if not current.get(name)]
    if existed and not missing:
        return None
    lines = text.splitlines()
    for name in missing:
        value = GENERATORS[name]()
        # An empty `NAME=` line (as in .env.example) is filled where it stands; otherwise append.
        for index, line in enumerate(lines):
            match = _ASSIGNMENT.match(line)
            if match and match.group(1) == name:
                lines[index] = f"{name}={value}"
                break
        else:
            lines.append(f"{name}={value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    generated = ", ".join(missing) or "nothing new"
    return f"{'Updated' if existed else 'Created'} {path}: generated {generated}."


def _template_text(template: Path) -> str:
    if template.is_file():
        return template.read_text(encoding="utf-8")
    return "# LLM Provider Manager settings; see README.md, Configuration.\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m core.envfile", description="Fill the secrets a fresh install needs into .env."
    )
    compose_help = "also ADMIN_PASSWORD and GPTLOAD_AUTH_KEY (docker-compose needs all three)"
    parser.add_argument("--compose", action="store_true", help=compose_help)
    parser.add_argument("--file", type=Path, default=None, help="the file to write (default: ENV_FILE or ./.env)")
    args = parser.parse_args(argv)
    path = args.file or Path(os.environ.get("ENV_FILE") or PROJECT_ROOT / ".env")
    done = ensure_env_file(path, COMPOSE if args.compose else LOCAL)
    if done:
        # The values stay in the file: printing them would put secrets into terminal logs.
        print(f"{done} Back up ENCRYPTION_KEY: without it the stored API keys cannot be decrypted.")
    else:
        print(f"{path} already has every value; nothing changed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
