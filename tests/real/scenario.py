"""Syncs under load on the real stack, run by hand (not collected by pytest):

    GPTLOAD_BIN=/path/to/gpt-load UNIAPI_BIN=/path/to/uni-api-front .venv/bin/python -m tests.real.scenario --runs 20

The real GPT-Load (SQLite, empty directory), the real uni-api (Rust runtime) and the app process (main.py), with
fake providers on a loopback port. Each run registers three providers and syncs, renames one model and syncs,
deletes one provider and syncs, then syncs a no-op plan (the rename and the delete each dissolve an aggregate
whose name stays served by one provider); during every sync a steady stream of chat requests goes
through uni-api for names exposed both before and after it. It prints each sync's outcome, time, retries and the
requests that failed (status and body excerpt), then a table per sync kind.

``--bulk N --concurrency 1,2,4,8`` measures instead how GPT-Load's SQLite copes with many writes at once: per
GPTLOAD_CONCURRENCY value (the app is restarted with it), N providers sharing two models (N standard groups, two
aggregates of N members) are created and synced, then N-2 of them deleted and synced (forced), both under the
request stream; it reports the retries the sync made (results' ``attempts``), the transient failures the app
logged by code, GPT-Load's 500 answers, and wall times.

Bootstrap: uni-api exits without a usable provider, so a first app process (without UNIAPI_URL) syncs an anchor
provider, uni-api starts on that api.yaml, and the app is restarted with UNIAPI_URL (when it knows the setting, a
sync waits until uni-api serves the new config). The anchor stays, so uni-api always has a provider.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from ruamel.yaml import YAML

from core.crypto import generate_key
from core.settings import PROJECT_ROOT
from tests.conftest import GPTLOAD_ADMIN_KEY, fake_key
from tests.e2e.app_process import clean_env
from tests.fakes.providers import FakeProviders
from tests.fakes.server import free_port, loopback_server
from tests.real import servers

TRANSIENT = re.compile(r"failed transiently \((\w+)\)")


@dataclass
class Failure:
    model: str
    status: int | str
    body: str


@dataclass
class SyncOutcome:
    run: int
    kind: str
    status: str
    seconds: float
    changes: int
    retries: int
    max_attempts: int
    error: str | None
    requests: int = 0
    failures: list[Failure] = field(default_factory=list)
    transient: Counter[str] = field(default_factory=Counter)
    gptload_500: int = 0
    sqlite_busy: int = 0
    concurrency: int | None = None


class App:
    """main.py as a process, its output in a file (a pipe read only at exit would fill up and block it)."""

    def __init__(self, workdir: Path, env: dict[str, str], app_dir: Path) -> None:
        self.workdir, self.env, self.app_dir = workdir, env, app_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / "app.log"
        self.url = ""

    def start(self, **extra: str) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {**self.env, **extra, "PORT": str(port)}
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "main.py"], cwd=self.app_dir, env=env, stdout=sink, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"main.py exited early:\n{self.output()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError("main.py did not become healthy within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Stack:
    def __init__(self, args: argparse.Namespace, workdir: Path, gptload: servers.RealServer) -> None:
        self.args, self.workdir, self.gptload = args, workdir, gptload
        self.config_path = workdir / "uni-api" / "api.yaml"
        self.fake = FakeProviders()
        self.providers_host = ""
        self.exposed: set[str] = set()  # names uni-api's clients see, as the registry says
        self.provider_ids: dict[str, int] = {}
        self.provider_models: dict[str, set[str]] = {}
        self.client_key = ""
        self.uniapi: servers.RealServer | None = None
        self.app = App(
            workdir,
            clean_env(
                workdir,
                ENCRYPTION_KEY=generate_key(),
                GPTLOAD_URL=gptload.url,
                GPTLOAD_AUTH_KEY=GPTLOAD_ADMIN_KEY,
                UNIAPI_CONFIG_PATH=str(self.config_path),
                LOG_LEVEL="INFO",
            ),
            args.app_dir,
        )

    # ----- registry

    def add_provider(self, name: str, dialect: str, models: list[str]) -> None:
        keys = [fake_key(f"{name}1"), fake_key(f"{name}2")]
        account = self.fake.add(dialect, self.providers_host, keys, models, prefix=f"/{name}")
        body = {"name": name, "base_url": account.base_url, "channel_type": dialect, "api_keys": keys}
        created = httpx.post(f"{self.app.url}/api/providers", json=body, timeout=60)
        if created.status_code != 201:
            raise RuntimeError(f"adding {name}: {created.status_code} {created.text[:300]}")
        self.provider_ids[name] = created.json()["id"]
        self.provider_models[name] = set(models)
        self.exposed |= set(models)

    def rename(self, provider: str, original: str, new: str) -> None:
        pid = self.provider_ids[provider]
        models = httpx.get(f"{self.app.url}/api/providers/{pid}/models", timeout=30).json()
        model_id = next(m["id"] for m in models if m["original_name"] == original)
        batch = {"renames": [{"model_id": model_id, "normalized_name": new}], "confirm_duplicates": True}
        answer = httpx.post(f"{self.app.url}/api/providers/{pid}/models/batch", json=batch, timeout=30)
        if answer.status_code != 200:
            raise RuntimeError(f"renaming {original}: {answer.status_code} {answer.text[:300]}")
        self.provider_models[provider] = (self.provider_models[provider] - {original}) | {new}
        self._recompute()

    def delete_provider(self, name: str) -> None:
        answer = httpx.delete(f"{self.app.url}/api/providers/{self.provider_ids.pop(name)}", timeout=60)
        if answer.status_code != 204:
            raise RuntimeError(f"deleting {name}: {answer.status_code} {answer.text[:300]}")
        del self.provider_models[name]
        self._recompute()

    def _recompute(self) -> None:
        self.exposed = set().union(*self.provider_models.values()) if self.provider_models else set()

    # ----- sync

    def sync(self, run: int, kind: str, stable: set[str], *, force: bool = False) -> SyncOutcome:
        """Apply the current plan while the request stream runs for ``stable`` names; the outcome."""
        plan = httpx.get(f"{self.app.url}/api/config/plan", timeout=120).json()
        body = {"checksum": plan["checksum"], "force": force or plan["safety"]["unsafe"]}
        gptload_500_before, busy_before = count_500(self.gptload), count_busy(self.gptload)
        log_before = len(self.app.output())
        began = time.monotonic()
        failures: list[Failure] = []
        sent = [0]
        record: dict = {}

        async def drive() -> None:
            stop = asyncio.Event()
            stream = asyncio.create_task(self.stream(sorted(stable), stop, failures, sent))
            try:
                async with httpx.AsyncClient(base_url=self.app.url, timeout=120) as api:
                    started = await api.post("/api/config/sync", json=body)
                    if started.status_code != 202:
                        record.update(status=f"refused {started.status_code}", error=started.text[:300])
                        return
                    sync_id = started.json()["sync_id"]
                    deadline = time.monotonic() + self.args.sync_timeout
                    while (await api.get("/api/config/sync/status")).json()["running"]:
                        if time.monotonic() > deadline:
                            record.update(status="timeout", error=f"still running after {self.args.sync_timeout} s")
                            return
                        await asyncio.sleep(0.05)
                    record.update((await api.get(f"/api/config/sync/{sync_id}")).json())
                    record["wall"] = time.monotonic() - began
                    await asyncio.sleep(self.args.tail)  # uni-api re-reads api.yaml about 2 s after the write
            finally:
                stop.set()
                await stream

        asyncio.run(drive())
        results = record.get("results") or []
        attempts = [r.get("attempts", 1) for r in results]
        output = self.app.output()[log_before:]
        return SyncOutcome(
            run=run,
            kind=kind,
            status=record.get("status", "?"),
            seconds=record.get("wall", time.monotonic() - began),
            changes=len(results),
            retries=sum(a - 1 for a in attempts),
            max_attempts=max(attempts, default=0),
            error=record.get("error"),
            requests=sent[0],
            failures=failures,
            transient=Counter(TRANSIENT.findall(output)),
            gptload_500=count_500(self.gptload) - gptload_500_before,
            sqlite_busy=count_busy(self.gptload) - busy_before,
        )

    async def stream(self, names: list[str], stop: asyncio.Event, failures: list[Failure], sent: list[int]) -> None:
        """``rate`` chat requests a second through uni-api, round robin over ``names``, until ``stop``."""
        if not names or self.uniapi is None:
            await stop.wait()
            return
        headers = {"Authorization": f"Bearer {self.client_key}"}
        limit = int(self.args.rate * self.args.max_stream_seconds)
        tasks: set[asyncio.Task[None]] = set()
        async with httpx.AsyncClient(base_url=self.uniapi.url, headers=headers, timeout=30) as client:

            async def one(model: str) -> None:
                body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}
                try:
                    answer = await client.post("/v1/chat/completions", json=body)
                    if answer.status_code != 200:
                        failures.append(Failure(model, answer.status_code, answer.text[:200]))
                except httpx.HTTPError as exc:
                    failures.append(Failure(model, type(exc).__name__, str(exc)[:200]))

            interval = 1 / self.args.rate
            next_at = time.monotonic()
            while not stop.is_set() and sent[0] < limit:
                task = asyncio.create_task(one(names[sent[0] % len(names)]))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                sent[0] += 1
                next_at += interval
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), max(0.0, next_at - time.monotonic()))
            if tasks:
                await asyncio.gather(*tasks)

    # ----- the stack

    def bootstrap(self) -> None:
        self.app.start()
        self.add_provider("anchor", "openai", ["anchor-1", "anchor-2"])
        outcome = self.sync(0, "bootstrap", set())
        if outcome.status != "succeeded":
            raise RuntimeError(f"bootstrap sync {outcome.status}: {outcome.error}")
        self.client_key = YAML(typ="safe").load(self.config_path.read_text())["api_keys"][0]["api"]
        self.app.stop()
        self.uniapi_context = servers.uniapi(self.args.uniapi_bin, self.config_path, workdir=self.workdir / "uniapi")
        self.uniapi = self.uniapi_context.__enter__()
        self.restart()

    def restart(self, **extra: str) -> None:
        self.app.stop()
        self.app.start(UNIAPI_URL=self.uniapi.url, **extra)

    def close(self) -> None:
        self.app.stop()
        if self.uniapi is not None:
            self.uniapi, context = None, self.uniapi_context
            context.__exit__(None, None, None)


ADMIN_500 = re.compile(r"(?:GET|POST|PUT|DELETE) /api/\S* - 500 - ")


def count_500(server: servers.RealServer) -> int:
    """GPT-Load's access log lines for admin requests answered 500 (its logger: ``METHOD PATH - STATUS - ...``)."""
    text = server.log.read_text(errors="replace") if server.log.exists() else ""
    return len(ADMIN_500.findall(text))


def count_busy(server: servers.RealServer) -> int:
    """GPT-Load's log lines for a write SQLite refused (``database is locked (5) (SQLITE_BUSY)``)."""
    text = server.log.read_text(errors="replace") if server.log.exists() else ""
    return text.count("SQLITE_BUSY")


def one_run(stack: Stack, run: int) -> list[SyncOutcome]:
    """Names chosen so that routes move: the rename and the delete each turn an aggregate back into one group."""
    a, b, c = f"r{run}a", f"r{run}b", f"r{run}c"
    shared, dup, pair = f"shared-{run}", f"dup-{run}", f"pair-{run}"
    outcomes = []
    before = set(stack.exposed)
    stack.add_provider(a, "openai", [shared, dup, f"a-only-{run}"])
    stack.add_provider(b, "openai", [shared, dup, pair, f"b-only-{run}"])
    stack.add_provider(c, "openai", [shared, pair, f"c-only-{run}"])
    outcomes.append(stack.sync(run, "create", before & stack.exposed))
    before = set(stack.exposed)
    stack.rename(a, dup, f"new-{run}")  # dup: aggregate (a, b) -> b alone
    outcomes.append(stack.sync(run, "rename", before & stack.exposed))
    before = set(stack.exposed)
    stack.delete_provider(c)  # pair: aggregate (b, c) -> b alone; shared: (a, b, c) -> (a, b)
    outcomes.append(stack.sync(run, "delete", before & stack.exposed))
    outcomes.append(stack.sync(run, "no-op", set(stack.exposed)))
    # Leave only the anchor for the next run (not measured).
    stack.delete_provider(a)
    stack.delete_provider(b)
    stack.sync(run, "cleanup", set(stack.exposed), force=True)
    return outcomes


def bulk(stack: Stack, size: int, concurrency: int, round_: int) -> list[SyncOutcome]:
    stack.restart(GPTLOAD_CONCURRENCY=str(concurrency))
    names = [f"b{round_}p{i}" for i in range(size)]
    shared = [f"bulk-{round_}-x", f"bulk-{round_}-y"]
    before = set(stack.exposed)
    for i, name in enumerate(names):
        stack.add_provider(name, "openai", [*shared, f"bulk-{round_}-{i}"])
    outcomes = [stack.sync(round_, f"bulk create {size}", before & stack.exposed)]
    before = set(stack.exposed)
    for name in names[2:]:
        stack.delete_provider(name)
    outcomes.append(stack.sync(round_, f"bulk delete {size - 2}", before & stack.exposed, force=True))
    for name in names[:2]:
        stack.delete_provider(name)
    stack.sync(round_, "cleanup", set(stack.exposed), force=True)
    for outcome in outcomes:
        outcome.concurrency = concurrency
    return outcomes


def report(outcomes: list[SyncOutcome]) -> None:
    print("\nper sync:")
    print(f"{'run':>4} {'kind':<16} {'conc':>4} {'status':<10} {'secs':>6} {'chg':>4} {'retry':>5} {'maxatt':>6} "
          f"{'req':>5} {'fail':>4} {'gl500':>5} {'busy':>4}  transient (app log, by code)")  # fmt: skip
    for o in outcomes:
        conc = "" if o.concurrency is None else str(o.concurrency)
        transient = ", ".join(f"{k}×{v}" for k, v in sorted(o.transient.items())) or "-"
        print(f"{o.run:>4} {o.kind:<16} {conc:>4} {o.status:<10} {o.seconds:>6.2f} {o.changes:>4} {o.retries:>5} "
              f"{o.max_attempts:>6} {o.requests:>5} {len(o.failures):>4} {o.gptload_500:>5} {o.sqlite_busy:>4}  "
              f"{transient}")  # fmt: skip
        if o.error:
            print(f"      error: {o.error[:300]}")
    print("\nper kind:")
    print(f"{'kind':<16} {'conc':>4} {'syncs':>5} {'failed':>6} {'min s':>6} {'avg s':>6} {'max s':>6} {'retries':>7} "
          f"{'requests':>8} {'failed req':>10}")  # fmt: skip
    groups: dict[tuple[str, str], list[SyncOutcome]] = {}
    for o in outcomes:
        groups.setdefault((o.kind, "" if o.concurrency is None else str(o.concurrency)), []).append(o)
    for (kind, conc), items in groups.items():
        secs = [o.seconds for o in items]
        print(f"{kind:<16} {conc:>4} {len(items):>5} {sum(o.status != 'succeeded' for o in items):>6} "
              f"{min(secs):>6.2f} {sum(secs) / len(secs):>6.2f} {max(secs):>6.2f} {sum(o.retries for o in items):>7} "
              f"{sum(o.requests for o in items):>8} {sum(len(o.failures) for o in items):>10}")  # fmt: skip
    failures = Counter((o.kind, f.status, f.body) for o in outcomes for f in o.failures)
    if failures:
        print("\nfailed requests (sync kind, status, body excerpt):")
        for (kind, status, body), count in failures.most_common(30):
            print(f"  {count:>4} × {kind:<10} {status}: {body}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.real.scenario", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=20.0, help="chat requests per second during a sync")
    parser.add_argument("--tail", type=float, default=3.0, help="seconds the stream goes on after a sync ended")
    parser.add_argument("--max-stream-seconds", type=float, default=120.0, help="bounds one stream's request count")
    parser.add_argument("--sync-timeout", type=float, default=300.0)
    parser.add_argument("--bulk", type=int, default=0, help="instead of runs: N providers per GPT-Load write test")
    parser.add_argument("--concurrency", default="1,2,4,8", help="GPTLOAD_CONCURRENCY values for --bulk")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, databases)")
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=PROJECT_ROOT,
        help="run main.py from this checkout (e.g. `git archive HEAD | tar -x -C DIR`) with this venv",
    )
    args = parser.parse_args(argv)
    try:
        gptload_bin, args.uniapi_bin = servers.binary(servers.GPTLOAD_BIN), servers.binary(servers.UNIAPI_BIN)
    except RuntimeError as exc:
        print(exc)
        return 2
    if gptload_bin is None or args.uniapi_bin is None:
        print(servers.missing_message())
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="lpm-scenario-"))
    print(f"work directory: {workdir}")
    outcomes: list[SyncOutcome] = []
    stack = None
    try:
        with servers.gptload(gptload_bin, GPTLOAD_ADMIN_KEY, workdir=workdir / "gptload") as gptload:
            stack = Stack(args, workdir, gptload)
            with loopback_server(stack.fake.app) as providers_url:
                stack.providers_host = providers_url.removeprefix("http://")
                stack.bootstrap()
                if args.bulk:
                    for round_, value in enumerate(int(v) for v in args.concurrency.split(",")):
                        outcomes += bulk(stack, args.bulk, value, round_ + 1)
                        report(outcomes[-2:])
                else:
                    for run in range(1, args.runs + 1):
                        outcomes += one_run(stack, run)
                        done = ", ".join(f"{o.kind} {o.status} {len(o.failures)} failed" for o in outcomes[-4:])
                        print(f"run {run}: {done}")
                stack.close()
    finally:
        if stack is not None:
            stack.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    report(outcomes)
    return 0 if all(o.status == "succeeded" and not o.failures for o in outcomes) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
