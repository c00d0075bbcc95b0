"""``python main.py backup --out FILE`` and ``python main.py restore FILE`` as cron runs them: real processes."""

from __future__ import annotations

import stat

import pytest

from core.crypto import generate_key
from tests.backup_helpers import PASSPHRASE, seeded, state_of
from tests.conftest import SECRET_MARKER
from tests.e2e.app_process import clean_env, run_main

# Starts main.py as a process three times: seconds, so outside the fast loop (pytest -m "not slow").
pytestmark = pytest.mark.slow


def test_backup_and_restore_from_the_command_line(tmp_path, fake):
    old = clean_env(
        tmp_path, ENCRYPTION_KEY=generate_key(), DATA_DIR=str(tmp_path / "old"), BACKUP_PASSPHRASE=PASSPHRASE
    )
    before = seeded(old, fake)
    bundle = tmp_path / "lpm-nightly.lpmbak"

    made = run_main(old, "backup", "--out", str(bundle))
    assert made.returncode == 0, made.stderr
    assert "Backup of 2 providers and 6 models" in made.stdout
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600

    new = clean_env(tmp_path, ENCRYPTION_KEY=generate_key(), DATA_DIR=str(tmp_path / "new"))
    wrong = run_main({**new, "BACKUP_PASSPHRASE": PASSPHRASE + "!"}, "restore", str(bundle))
    assert wrong.returncode == 1
    assert "Restore refused: The backup cannot be opened: the passphrase is wrong" in wrong.stderr
    assert not (tmp_path / "new").exists()

    restored = run_main({**new, "BACKUP_PASSPHRASE": PASSPHRASE}, "restore", str(bundle))
    assert restored.returncode == 0, restored.stderr
    assert "Restored: 2 providers created" in restored.stdout
    assert state_of(new, fake) == before
    for result in (made, wrong, restored):
        assert SECRET_MARKER not in result.stdout + result.stderr
        assert PASSPHRASE not in result.stdout + result.stderr
