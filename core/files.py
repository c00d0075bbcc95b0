"""Reading and writing one text file safely, whatever it holds.

A reader must never see half a file, so a write normally goes to a temp file in the same directory
that is then renamed over the old one. A file that is itself a bind mount (``-v ./x.yaml:/x.yaml``)
cannot be renamed over: the container would keep seeing the old inode. Such a file is overwritten in
place instead; ``is_single_file_mount`` tells the two apart from the kernel's mount table.

Errors are plain ``OSError`` (and ``UnicodeDecodeError`` for a file that is not UTF-8 text); callers
turn them into their own messages.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

MOUNTINFO = Path("/proc/self/mountinfo")
_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")


def read_text(path: Path) -> str | None:
    """The file's text exactly as stored (line endings included); None when it does not exist."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return None
    return raw.decode("utf-8")


def write_bytes(path: Path, data: bytes, *, in_place: bool | None = None) -> bool:
    """Store ``data`` at ``path`` (a symlink is followed); False, touching nothing, when it is already there.

    Missing directories are created. ``in_place`` None decides by the mount table: in place for a
    single-file mount, atomically otherwise.
    """
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    if _holds(target, data):
        return False
    if in_place is None:
        in_place = is_single_file_mount(target, MOUNTINFO)
    if in_place:
        write_in_place(target, data)
    else:
        write_atomic(target, data)
    return True


def _holds(target: Path, data: bytes) -> bool:
    try:
        return target.read_bytes() == data
    except FileNotFoundError:
        return False


def write_in_place(target: Path, data: bytes) -> None:
    """Overwrite the file's own inode: what a bind mount needs; a reader may see it half written."""
    with open(target, "r+b" if target.exists() else "wb") as file:
        file.write(data)
        file.truncate()
        file.flush()
        os.fsync(file.fileno())


def write_atomic(target: Path, data: bytes) -> None:
    """Write a temp file beside ``target`` and rename it over; an existing file's mode is kept."""
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    # Not mkstemp: its 0600 would make every new file private; a new file follows the umask like any other.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        _copy_mode(target, temp)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_directory(target.parent)


def _copy_mode(source: Path, destination: Path) -> None:
    try:
        mode = stat.S_IMODE(source.stat().st_mode)
    except FileNotFoundError:
        return
    os.chmod(destination, mode)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable; best effort, as some filesystems cannot open or sync a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def is_single_file_mount(path: Path, mountinfo: Path = MOUNTINFO) -> bool:
    """True when ``path`` (resolved) is itself a mount point, as with ``-v ./api.yaml:/home/api.yaml``."""
    target = os.path.realpath(path)
    try:
        lines = Path(mountinfo).read_bytes().decode("utf-8", "surrogateescape").splitlines()
    except OSError:
        return False
    return any(_mount_point(line) == target for line in lines)


def _mount_point(line: str) -> str | None:
    """Field 5 of a mountinfo line; the kernel writes blanks, tabs and backslashes as octal escapes."""
    fields = line.split(" ")
    if len(fields) <= 4:
        return None
    return _OCTAL_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), fields[4])
