"""``main.py backup`` / ``restore`` (core.backup_cli) in this process: a private file, a restore into another
instance, and every refusal with its exit code and the database untouched. tests/e2e/test_backup_cli.py runs
the same commands through main.py as a process."""

from __future__ import annotations

import argparse
import io
import os
import stat
from pathlib import Path

import pytest

from core import backup_cli
from core.crypto import generate_key
from core.settings import Settings
from tests.backup_helpers import PASSPHRASE, database_digest, seeded, state_of
from tests.conftest import GPTLOAD_ADMIN_KEY
from tests.postgres import databases
from tests.postgres.databases import sqlite_only


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def instance_env(path: Path, **more: str) -> dict[str, str]:
    """The environment of one manager: its own data directory (or PostgreSQL database) and ENCRYPTION_KEY."""
    env = {"ENCRYPTION_KEY": generate_key(), "DATA_DIR": str(path), "GPTLOAD_AUTH_KEY": GPTLOAD_ADMIN_KEY}
    return {**env, **databases.process_env(path), **more}


def command(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    backup_cli.add_commands(parser)
    return parser.parse_args(argv)


@pytest.fixture(autouse=True)
def process_left_alone(monkeypatch):
    """run() sets the umask and the root log handlers for a whole process; here that process is pytest's."""
    monkeypatch.setattr(backup_cli, "prepare_process", lambda settings: None)
    previous = os.umask(0o022)  # a permissive umask: the bundle must be private anyway
    yield
    os.umask(previous)


def test_a_backup_file_is_private_and_restores_into_another_instance(tmp_path, fake, capsys):
    old = instance_env(tmp_path / "old", BACKUP_PASSPHRASE=PASSPHRASE)
    before = seeded(old, fake)
    bundle = tmp_path / "nightly.lpmbak"
    assert backup_cli.run(command("backup", "--out", str(bundle)), environ=old) == 0
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600
    assert f"Backup of 2 providers and 6 models written to {bundle}" in capsys.readouterr().out

    bundle.chmod(0o644)  # an old file someone made readable: the next backup over it is private again
    assert backup_cli.run(command("backup", "--out", str(bundle)), environ=old) == 0
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600
    # No temp file left next to the bundle ("old" holds the SQLite database, absent on PostgreSQL).
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "old") == ["nightly.lpmbak"]

    new = instance_env(tmp_path / "new", BACKUP_PASSPHRASE=PASSPHRASE)
    assert backup_cli.run(command("restore", str(bundle)), environ=new) == 0
    assert "Restored: 2 providers created, 0 merged, 3 keys, 6 models, 0 skipped." in capsys.readouterr().out
    assert state_of(new, fake) == before


def test_restoring_into_a_registry_that_has_the_providers_prints_the_conflicts_it_settled(tmp_path, fake, capsys):
    env = instance_env(tmp_path / "data", BACKUP_PASSPHRASE=PASSPHRASE)
    before = seeded(env, fake)
    bundle = tmp_path / "b.lpmbak"
    assert backup_cli.run(command("backup", "--out", str(bundle)), environ=env) == 0
    capsys.readouterr()
    assert backup_cli.run(command("restore", str(bundle)), environ=env) == 0
    printed = capsys.readouterr().out
    assert "conflicts, each settled with its first option:" in printed
    assert "acme" in printed and "gem" in printed and "Restored:" in printed
    assert state_of(env, fake) == before


@pytest.mark.parametrize(
    ("passphrase", "spoil", "words"),
    [
        (PASSPHRASE + "!", lambda b: b, "the passphrase is wrong"),
        (PASSPHRASE, lambda b: b[:-1] + bytes([b[-1] ^ 1]), "the file was changed"),
        (PASSPHRASE, lambda b: b[:30], "cut short"),
    ],
    ids=["wrong-passphrase", "one-byte-flipped", "truncated"],
)
def test_a_refused_restore_exits_1_and_leaves_the_database_untouched(tmp_path, fake, capsys, passphrase, spoil, words):
    old = instance_env(tmp_path / "old", BACKUP_PASSPHRASE=PASSPHRASE)
    seeded(old, fake)
    bundle = tmp_path / "b.lpmbak"
    assert backup_cli.run(command("backup", "--out", str(bundle)), environ=old) == 0
    bundle.write_bytes(spoil(bundle.read_bytes()))

    target = instance_env(tmp_path / "target", BACKUP_PASSPHRASE=passphrase)
    seeded(target, fake)
    before = database_digest(Settings.from_env(target))
    assert backup_cli.run(command("restore", str(bundle)), environ=target) == 1
    assert words in capsys.readouterr().err
    assert database_digest(Settings.from_env(target)) == before

    fresh = instance_env(tmp_path / "fresh", BACKUP_PASSPHRASE=passphrase)
    assert backup_cli.run(command("restore", str(bundle)), environ=fresh) == 1
    assert not (tmp_path / "fresh").exists()  # not even an empty database was made


def test_without_a_passphrase_and_no_terminal_nothing_is_tried(tmp_path, capsys):
    env = instance_env(tmp_path / "data")
    out = tmp_path / "b.lpmbak"
    assert backup_cli.run(command("backup", "--out", str(out)), environ=env, stdin=io.StringIO()) == 2
    assert "Set BACKUP_PASSPHRASE" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "data").exists()


def test_a_typed_passphrase_is_asked_twice_for_a_backup(tmp_path, fake, capsys):
    env = instance_env(tmp_path / "data")
    seeded(env, fake)
    out = tmp_path / "b.lpmbak"
    typed = iter([PASSPHRASE, PASSPHRASE + " typo"])
    code = backup_cli.run(
        command("backup", "--out", str(out)), environ=env, stdin=Terminal(), prompt=lambda _: next(typed)
    )
    assert code == 2 and "differ" in capsys.readouterr().err and not out.exists()
    typed = iter([PASSPHRASE, PASSPHRASE])
    code = backup_cli.run(
        command("backup", "--out", str(out)), environ=env, stdin=Terminal(), prompt=lambda _: next(typed)
    )
    assert code == 0 and out.exists()
    restored = instance_env(tmp_path / "new")
    assert (
        backup_cli.run(command("restore", str(out)), environ=restored, stdin=Terminal(), prompt=lambda _: PASSPHRASE)
        == 0
    )


def test_a_short_passphrase_is_refused_before_anything_is_done(tmp_path, capsys):
    env = instance_env(tmp_path / "data", BACKUP_PASSPHRASE="too short")
    assert backup_cli.run(command("backup", "--out", str(tmp_path / "b.lpmbak")), environ=env) == 2
    assert "at least 12 characters" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@sqlite_only("a missing database file; a PostgreSQL database is the server's, created by its operator")
def test_a_backup_of_a_missing_database_writes_nothing(tmp_path, capsys):
    env = instance_env(tmp_path / "nowhere", BACKUP_PASSPHRASE=PASSPHRASE)
    assert backup_cli.run(command("backup", "--out", str(tmp_path / "b.lpmbak")), environ=env) == 2
    assert "No database at" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_directory_as_the_output_is_refused_before_the_database_is_opened(tmp_path, capsys):
    env = instance_env(tmp_path / "data", BACKUP_PASSPHRASE=PASSPHRASE)
    (tmp_path / "backups").mkdir(mode=0o755)
    assert backup_cli.run(command("backup", "--out", str(tmp_path / "backups")), environ=env) == 2
    assert "is a directory" in capsys.readouterr().err
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o755 and not (tmp_path / "data").exists()


def test_an_unreadable_backup_file_exits_1(tmp_path, capsys):
    env = instance_env(tmp_path / "data", BACKUP_PASSPHRASE=PASSPHRASE)
    assert backup_cli.run(command("restore", str(tmp_path / "missing.lpmbak")), environ=env) == 1
    assert "Cannot read" in capsys.readouterr().err
