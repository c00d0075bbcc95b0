"""Reading and writing ``api.yaml`` at the configured path: validated first, errors in the operator's terms."""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

from core import files
from core.errors import ConfigWriteError
from core.uniapi.schema import validate

_PATH_HINT = "check UNIAPI_CONFIG_PATH and the permissions of that directory"
# api.yaml holds the proxy key and the client keys: the owner alone reads it, or also UNIAPI_CONFIG_GROUP.
PRIVATE_MODE = 0o600
GROUP_MODE = 0o640


def read_config(path: Path) -> str | None:
    """The file's text exactly as stored (line endings included); None when it does not exist."""
    try:
        return files.read_text(path)
    except UnicodeDecodeError as error:
        raise ConfigWriteError(f"{path} is not UTF-8 text (byte {error.start}); fix or move it by hand") from None
    except OSError as error:
        raise ConfigWriteError(f"Cannot read {path}: {error.strerror or error}; {_PATH_HINT}") from None


def write_config(
    path: Path, text: str, *, in_place: bool | None = None, group: str | None = None, validated: bool = False
) -> bool:
    """Validate ``text`` and store it at ``path``; False (and the content untouched) when the file already holds it.

    ``in_place`` None decides by itself: a single-file bind mount must be overwritten in place (a rename
    is not seen through it); otherwise a temp file is renamed over the old one, so a reader never sees
    half a file. An invalid document is never written.

    The file holds the proxy key and the client keys, so others never read it: a new file is 0600, an
    existing one loses any access for others (its group bits, an operator's choice, stay). With ``group``
    (UNIAPI_CONFIG_GROUP: a name or a gid) it gets that group and 0640, for a uni-api of another user.
    ``validated``: the caller built ``text`` so that it is valid (``core.uniapi.splice`` of a file this
    function validated); a parse of a 12,000-entry file takes seconds.
    """
    problems = [] if validated else validate(text)
    if problems:
        raise ConfigWriteError(f"Refusing to write an invalid {Path(path).name}: " + "; ".join(problems))
    existed = os.path.exists(path)
    try:
        written = files.write_bytes(path, text.encode("utf-8"), in_place=in_place)
    except OSError as error:
        raise ConfigWriteError(f"Cannot write {path}: {error.strerror or error}; {_PATH_HINT}") from None
    _restrict_access(path, group, new=not existed)
    return written


def _restrict_access(path: Path, group: str | None, *, new: bool) -> None:
    """``group`` and 0640; else 0600 for a new file, no access for others on an old one. A file of another
    owner (a bind mount's) is left as it is unless a group was asked for: failing that is an error to see."""
    target = Path(os.path.realpath(path))
    try:
        if group:
            os.chown(target, -1, _gid(group))
            os.chmod(target, GROUP_MODE)
            return
        info = target.stat()
        current = stat.S_IMODE(info.st_mode)
        wanted = PRIVATE_MODE if new else current & ~0o007
        if info.st_uid == os.geteuid() and current != wanted:
            os.chmod(target, wanted)
    except OSError as error:
        if group:
            raise ConfigWriteError(
                f"Wrote {path} but cannot give it group {group!r} and mode 0640: {error.strerror or error}; "
                "check UNIAPI_CONFIG_GROUP (this process must own the file and belong to that group)"
            ) from None


def _gid(group: str) -> int:
    if group.isdigit():
        return int(group)
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise ConfigWriteError(f"UNIAPI_CONFIG_GROUP={group!r} is not a group of this system") from None
