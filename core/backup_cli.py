"""``python main.py backup --out FILE`` and ``python main.py restore FILE``: backups from cron (issue 13).

The passphrase comes from ``BACKUP_PASSPHRASE`` or, at a terminal, a prompt; never from an argument, which
``ps`` and the shell history would show. A backup file is written ``0600`` and whole (temp file, then rename),
so a cron job never leaves half a bundle. A restore opens the bundle before it opens the database: a wrong
passphrase or a changed file leaves the database untouched (not even created). Then it runs the import's
preview and apply, as ``POST /api/import/preview`` and ``/apply`` do, with each conflict's first option, and
prints what it decided.

Exit codes: 0 done; 1 refused (the bundle cannot be opened, the import refused it, the file cannot be
read or written); 2 nothing tried (no passphrase, a setting or the database is wrong).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import getpass
import os
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TextIO

from core import backup, importing
from core.backup_bundle import MIN_PASSPHRASE
from core.db import open_database, sqlite_path
from core.errors import LpmError, StartupError
from core.files import write_atomic
from core.import_shapes import ImportApplyRequest, ImportPreviewRequest
from core.logs import RedactingFilter, configure_logging
from core.models import Model, Provider
from core.services import Services
from core.settings import Settings

PASSPHRASE_ENV = "BACKUP_PASSPHRASE"
DONE, REFUSED, NOT_TRIED = 0, 1, 2
Prompt = Callable[[str], str]


class CommandFailed(Exception):
    """What to print, and the exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_commands(parser: argparse.ArgumentParser) -> None:
    """The ``backup`` and ``restore`` sub-commands on ``main.py``'s parser (``args.command`` None: serve)."""
    commands = parser.add_subparsers(dest="command", metavar="{backup,restore}")
    made = commands.add_parser("backup", help=f"write an encrypted backup (passphrase: {PASSPHRASE_ENV} or a prompt)")
    made.add_argument("--out", required=True, type=Path, metavar="FILE", help="the bundle to write (mode 0600)")
    restored = commands.add_parser("restore", help=f"restore a backup (passphrase: {PASSPHRASE_ENV} or a prompt)")
    restored.add_argument("file", type=Path, metavar="FILE", help="a bundle written by `backup` or POST /api/backup")


def run(
    args: argparse.Namespace,
    *,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    prompt: Prompt = getpass.getpass,
) -> int:
    """Run ``args.command``; the exit code. ``environ`` None: the process environment and ``.env``."""
    stdin = stdin or sys.stdin
    try:
        passphrase = read_passphrase(
            os.environ if environ is None else environ, stdin, prompt, twice=args.command == "backup"
        )
        if args.command == "restore":
            bundle = _read_file(args.file)
            # Before any database is opened: a refusal must leave the registry exactly as it was.
            backup.read_bundle(bundle, passphrase)
        settings = Settings.from_env(environ)
        log_guard = prepare_process(settings)
        if args.command == "backup":
            check_backup_paths(settings, args.out)
            print(asyncio.run(write_backup(settings, args.out, passphrase, log_guard)))
        else:
            for line in asyncio.run(restore_backup(settings, bundle, passphrase, log_guard)):
                print(line)
    except CommandFailed as failed:
        print(failed, file=sys.stderr)
        return failed.exit_code
    except StartupError as exc:
        print(f"LLM Provider Manager cannot start: {exc.detail}", file=sys.stderr)
        return NOT_TRIED
    except LpmError as exc:  # InvalidInput from the bundle or the import: its detail holds no secret
        print(f"{args.command.capitalize()} refused: {exc.detail}", file=sys.stderr)
        return REFUSED
    return DONE


def prepare_process(settings: Settings) -> RedactingFilter:
    """What ``main.py`` does before serving: files for this user only (a new database, the bundle), redacted logs."""
    os.umask(0o077)
    return configure_logging(settings.log_level, lambda: settings.secret_values)


def read_passphrase(environ: Mapping[str, str], stdin: TextIO, prompt: Prompt, *, twice: bool) -> str:
    """``BACKUP_PASSPHRASE``, else typed at a terminal (``twice`` for a new backup: a typo would make it useless)."""
    passphrase = environ.get(PASSPHRASE_ENV)
    if not passphrase:
        if not stdin.isatty():
            raise CommandFailed(f"Set {PASSPHRASE_ENV}, or run this at a terminal to type the passphrase.", NOT_TRIED)
        passphrase = prompt("Backup passphrase: ")
        if twice and prompt("The same again: ") != passphrase:
            raise CommandFailed("The two passphrases differ; nothing was done.", NOT_TRIED)
    if len(passphrase) < MIN_PASSPHRASE:
        raise CommandFailed(f"A backup passphrase needs at least {MIN_PASSPHRASE} characters.", NOT_TRIED)
    return passphrase


def check_backup_paths(settings: Settings, target: Path) -> None:
    """Refuse before anything is opened: a directory as the output, or a database that does not exist."""
    if target.is_dir():
        raise CommandFailed(f"{target} is a directory; name the file to write, e.g. {target}/lpm.lpmbak.", NOT_TRIED)
    database = sqlite_path(settings.database_url)
    if database is not None and not database.exists():
        # Opening would create an empty database, and a nightly job would back it up without a word.
        raise CommandFailed(
            f"No database at {database}: check DATA_DIR / DATABASE_URL. Nothing was written.", NOT_TRIED
        )


async def write_backup(
    settings: Settings, target: Path, passphrase: str, log_guard: RedactingFilter | None = None
) -> str:
    """Seal the registry into ``target`` (mode 0600); what was written, in one line. See ``check_backup_paths``."""
    async with _opened(settings, log_guard) as services:
        bundle = await backup.make_backup(services, passphrase)
        providers, models = await Provider.all().count(), await Model.all().count()
    _write_private(target, bundle)
    return f"Backup of {providers} providers and {models} models written to {target} ({len(bundle)} bytes)."


async def restore_backup(
    settings: Settings, bundle: bytes, passphrase: str, log_guard: RedactingFilter | None = None
) -> list[str]:
    """Preview and apply ``bundle`` like the import does, each conflict on its first option; lines to print."""
    async with _opened(settings, log_guard) as services:
        source = ImportPreviewRequest(bundle=base64.b64encode(bundle).decode(), passphrase=passphrase)
        preview = await importing.preview(services, source)
        result = await importing.apply(services, ImportApplyRequest(checksum=preview.checksum))
    lines = [f"Warning: {warning}" for warning in preview.warnings]
    if preview.conflicts:
        lines.append(f"{len(preview.conflicts)} conflicts, each settled with its first option:")
        lines += [f"  {c.kind}: {c.detail} -> {c.choice}" for c in preview.conflicts]
    lines.append(
        f"Restored: {result.providers_created} providers created, {result.providers_merged} merged, "
        f"{result.keys_added} keys, {result.models_added} models, {result.skipped} skipped."
    )
    return lines


@asynccontextmanager
async def _opened(settings: Settings, log_guard: RedactingFilter | None) -> AsyncIterator[Services]:
    """Services on the prepared database (key check, migrations), as the server has them; closed after."""
    services = Services.build(settings)
    if log_guard is not None:
        log_guard.use(services.secrets)  # from now on the stored keys are redacted too
    async with open_database(settings.database_url, services.box):
        try:
            await services.secrets.refresh()
            yield services
        finally:
            await services.aclose()  # while the database is open, as the server's lifespan does


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandFailed(f"Cannot read {path}: {exc.strerror or type(exc).__name__}.", REFUSED) from None


def _write_private(target: Path, data: bytes) -> None:
    """``data`` at ``target``, readable by this user only, never half written."""
    target = Path(os.path.realpath(target))
    # write_atomic makes its temp file under the umask and keeps an existing file's mode: with umask 0077 and
    # an old file tightened first, no moment shows the bundle to anyone else, whatever the caller's umask.
    previous = os.umask(0o077)
    try:
        if target.exists():
            os.chmod(target, 0o600)
        write_atomic(target, data)
    except OSError as exc:
        raise CommandFailed(f"Cannot write {target}: {exc.strerror or type(exc).__name__}.", REFUSED) from None
    finally:
        os.umask(previous)
