"""core.files: exact reads, atomic and in-place writes, and telling a single-file mount from the mount table."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core import files

OLD, NEW = b"old: 1\r\n" * 50, b"new: 2\n"


def mountinfo_with(tmp_path: Path, *mount_points: str) -> Path:
    """A mountinfo in the kernel's format, blanks and backslashes octal-escaped as the kernel writes them."""
    lines = ["22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw"]
    for number, point in enumerate(mount_points, start=600):
        escaped = point.replace("\\", "\\134").replace(" ", "\\040").replace("\t", "\\011")
        lines.append(f"{number} 22 8:1 /home/op/file {escaped} rw,relatime - ext4 /dev/sda1 rw")
    path = tmp_path / "mountinfo"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_read_text_is_none_for_a_missing_file_and_exact_otherwise(tmp_path):
    path = tmp_path / "f.txt"
    assert files.read_text(path) is None
    path.write_bytes(OLD)
    assert files.read_text(path) == OLD.decode()


def test_read_text_raises_plain_errors(tmp_path):
    (tmp_path / "bytes").write_bytes(b"\xff")
    with pytest.raises(UnicodeDecodeError):
        files.read_text(tmp_path / "bytes")
    with pytest.raises(IsADirectoryError):
        files.read_text(tmp_path)


def test_an_atomic_write_replaces_the_inode_and_keeps_the_mode(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(OLD)
    os.chmod(path, 0o604)
    inode = path.stat().st_ino
    assert files.write_bytes(path, NEW, in_place=False) is True
    assert path.read_bytes() == NEW and path.stat().st_ino != inode
    assert path.stat().st_mode & 0o777 == 0o604
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_a_new_file_follows_the_umask_and_its_directories_are_created(tmp_path):
    path = tmp_path / "a" / "b" / "f.txt"
    old_umask = os.umask(0o027)
    try:
        files.write_bytes(path, NEW, in_place=False)
    finally:
        os.umask(old_umask)
    assert path.read_bytes() == NEW and path.stat().st_mode & 0o777 == 0o640


def test_an_in_place_write_keeps_the_inode_and_truncates(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(OLD)
    inode = path.stat().st_ino
    assert files.write_bytes(path, NEW, in_place=True) is True
    assert path.read_bytes() == NEW and path.stat().st_ino == inode


def test_the_same_content_touches_nothing_and_a_symlink_is_followed(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(NEW)
    link = tmp_path / "link.txt"
    link.symlink_to(path)
    os.utime(path, ns=(10**9, 10**9))
    assert files.write_bytes(link, NEW) is False
    assert path.stat().st_mtime_ns == 10**9
    assert files.write_bytes(link, OLD, in_place=False) is True
    assert link.is_symlink() and path.read_bytes() == OLD


def test_a_failed_atomic_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "f.txt"
    path.write_bytes(OLD)

    def refuse(*_args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError):
        files.write_bytes(path, NEW, in_place=False)
    assert path.read_bytes() == OLD and [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_mount_detection_reads_the_mount_table(tmp_path):
    folder = tmp_path / "with blank\\and backslash"
    folder.mkdir()
    mounted = folder / "f.txt"
    table = mountinfo_with(tmp_path, str(mounted))
    assert files.is_single_file_mount(mounted, table) is True
    assert files.is_single_file_mount(folder, table) is False
    assert files.is_single_file_mount(tmp_path / "other.txt", table) is False
    assert files.is_single_file_mount(mounted, tmp_path / "no-such-table") is False


@pytest.mark.parametrize("mounted", [True, False])
def test_write_bytes_decides_in_place_by_the_mount_table(tmp_path, monkeypatch, mounted):
    path = tmp_path / "f.txt"
    path.write_bytes(OLD)
    inode = path.stat().st_ino
    monkeypatch.setattr(files, "MOUNTINFO", mountinfo_with(tmp_path, str(path) if mounted else "/elsewhere"))
    files.write_bytes(path, NEW)
    assert (path.stat().st_ino == inode) is mounted
