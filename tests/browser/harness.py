"""Headless Chromium against the real app process, and a seeded world of fake providers behind it.

Shared by the browser smoke test and ``bench/ui.py``. Everything binds to 127.0.0.1: the fake providers,
the fake GPT-Load, the app (``tests.e2e.app_process``) and what Chromium loads. Chromium runs with the
flags of stack-notes §3.4 (no network services of its own, a throwaway profile per run).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from core.crypto import generate_key
from tests.e2e.app_process import AppProcess, app_process, clean_env
from tests.fakes.gptload import FakeGptLoad
from tests.fakes.providers import Account, FakeProviders
from tests.fakes.server import free_port, loopback_server

WINDOW = (1400, 900)
REQUIRE_VARIABLE = "LPM_REQUIRE_BROWSER"
SHOWN_CHARS = 2000  # of what a failed wait shows of the page


def chromium_path() -> str | None:
    """Debian's ``chromium`` (``apt-get install chromium chromium-driver``), or None when it is not installed."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def chromium_args(binary: str, profile: str, *, window: tuple[int, int] = WINDOW) -> list[str]:
    """The flags of stack-notes §3.4: no sandbox (CI runs as root), no GPU, no network services of its own."""
    return [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--no-first-run",
        "--no-default-browser-check",
        "--hide-scrollbars",
        "--mute-audio",
        f"--user-data-dir={profile}",
        f"--window-size={window[0]},{window[1]}",
    ]


class BrowserError(RuntimeError):
    pass


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: fds 3 and 4).

    Why not ``--screenshot``/``--dump-dom`` with ``--virtual-time-budget``: our pages send their content over
    the websocket after the first response (the header's status timer awaits the connection, so NiceGUI answers
    early), and virtual time runs ahead of real socket I/O. Measured on the 2,000-model page: 2 to 5 of 6
    ``--dump-dom`` runs had no grid rows at each budget from 2 to 8 s, and a 15 s budget hit NiceGUI's ping
    timeout ("Connection lost"). Here we wait, in real time, for what the page must show. No port is opened.
    """

    def __init__(self, binary: str, *, window: tuple[int, int] = WINDOW) -> None:
        self.window = window
        self._profile = tempfile.TemporaryDirectory(prefix="lpm-chromium-")
        # Chromium's stdout and stderr (dbus noise), read only to explain a failure; closed by close().
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        ours_read, chrome_write = os.pipe()
        chrome_read, ours_write = os.pipe()
        # Chromium reads commands on fd 3 and answers on fd 4; copy the ends well above 4 first, so the
        # dup2 actions of posix_spawn cannot overwrite one another (thread-safe, unlike preexec_fn).
        high_read, high_write = (fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (chrome_read, chrome_write))
        os.close(chrome_read)
        os.close(chrome_write)
        args = [*chromium_args(binary, self._profile.name, window=window), "--remote-debugging-pipe", "about:blank"]
        devnull = os.open(os.devnull, os.O_RDONLY)
        try:
            self.pid = os.posix_spawn(
                binary,
                args,
                dict(os.environ),
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, devnull, 0),
                    (os.POSIX_SPAWN_DUP2, self._log.fileno(), 1),
                    (os.POSIX_SPAWN_DUP2, self._log.fileno(), 2),
                    (os.POSIX_SPAWN_DUP2, high_read, 3),
                    (os.POSIX_SPAWN_DUP2, high_write, 4),
                ],
            )
        finally:
            for fd in (devnull, high_read, high_write):
                os.close(fd)
        self._in, self._out = ours_read, ours_write
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        try:
            self.session = self._open_page()
        except Exception:
            self.close()
            raise

    # ----- protocol

    def _send(self, method: str, params: dict | None = None, *, session: str | None = None) -> int:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = memoryview(json.dumps(message).encode() + b"\0")
        while data:
            data = data[os.write(self._out, data) :]
        return self._next_id

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise BrowserError("Chromium did not answer in time")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise BrowserError(f"Chromium closed the pipe: {self.stderr()}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict | None = None, *, session: str | None = None, timeout: float = 30):
        wanted = self._send(method, params, session=session)
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def _open_page(self) -> str:
        pages = [t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page"]
        target = pages[0]["targetId"] if pages else self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for method in ("Page.enable", "Runtime.enable"):
            self.call(method, session=session)
        width, height = self.window
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        self.call("Emulation.setDeviceMetricsOverride", metrics, session=session)
        return session

    # ----- page operations

    def evaluate(self, expression: str, *, timeout: float = 30):
        params = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        result = self.call("Runtime.evaluate", params, session=self.session, timeout=timeout)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:80]}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def add_init_script(self, source: str) -> None:
        """Run ``source`` in every document before the page's own scripts."""
        self.call("Page.addScriptToEvaluateOnNewDocument", {"source": source}, session=self.session)

    def open(self, url: str, *, timeout: float = 60) -> None:
        """Navigate (loopback only) and wait for the load event."""
        if not url.startswith("http://127.0.0.1:"):
            raise ValueError(f"only loopback URLs: {url}")
        self.events.clear()
        answer = self.call("Page.navigate", {"url": url}, session=self.session, timeout=timeout)
        if answer.get("errorText"):
            raise BrowserError(f"{url}: {answer['errorText']}")
        self.wait_for("document.readyState === 'complete'", timeout=timeout, what=f"{url} to load")

    def wait_for(self, condition: str, *, timeout: float = 60, what: str = "", show: str | None = None) -> float:
        """Poll a JavaScript condition in real time (an exception counts as false); returns the seconds waited.

        ``show``: a JavaScript expression whose value (as JSON) the error names when the time is up, say the text or
        the count the condition looked at: what the page showed instead."""
        began = time.monotonic()
        check = f"(() => {{ try {{ return Boolean({condition}); }} catch (e) {{ return false; }} }})()"
        while not self.evaluate(check):
            if time.monotonic() - began > timeout:
                seen = f"; it showed {self.peek(show)}" if show else ""
                raise BrowserError(f"waited {timeout} s for {what or condition}{seen}")
            time.sleep(0.05)
        return time.monotonic() - began

    def peek(self, expression: str) -> str:
        """The value of a JavaScript expression as JSON (or the error it raised), cut to ``SHOWN_CHARS``: for the
        message of a failed wait."""
        script = (f"(() => {{ try {{ return JSON.stringify({expression}) ?? 'undefined'; }} "
                  "catch (e) { return 'an error: ' + e; } })()")  # fmt: skip
        try:
            seen = str(self.evaluate(script, timeout=10))
        except BrowserError as exc:
            seen = f"nothing readable ({exc})"
        return seen if len(seen) <= SHOWN_CHARS else seen[:SHOWN_CHARS] + "…"

    def dom(self) -> str:
        return self.evaluate("document.documentElement.outerHTML")

    def click_button(self, label: str, *, within: str = "document", timeout: float = 30) -> None:
        """Click the first shown button labelled ``label`` (Quasar's label span, icons aside) inside the element
        the JavaScript expression ``within`` gives, waiting up to ``timeout`` s for one: a label such as "Save
        Changes (1)" arrives with an update of its own, and AG Grid draws a row's buttons a frame after the row. A
        scripted click: no user activation, so no leave-page prompt can block a later navigation."""
        buttons = f"""(() => {{
          const root = {within};
          return [...(root ? root.querySelectorAll('button') : [])].filter(b => b.offsetParent !== null);
        }})()"""
        text = "b => (b.querySelector('.block') || b).textContent.trim()"
        script = f"""(() => {{
          const button = {buttons}.find(b => ({text})(b) === {json.dumps(label)});
          if (button) button.click();
          return Boolean(button);
        }})()"""
        self.wait_for(script, timeout=timeout, what=f"a shown button labelled {label!r} in {within}",
                      show=f"{buttons}.map({text})")  # fmt: skip

    def type_into(self, aria_label: str, text: str) -> None:
        """Focus the input labelled ``aria_label`` and type ``text`` as keyboard input (input events per text)."""
        selector = json.dumps(f'input[aria-label="{aria_label}"]')
        if not self.evaluate(f"(() => {{ const i = document.querySelector({selector}); i?.focus(); return !!i; }})()"):
            raise BrowserError(f"no input labelled {aria_label!r}")
        self.call("Input.insertText", {"text": text}, session=self.session)

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", {"format": "png"}, session=self.session)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def stderr(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-2000:]

    def close(self) -> None:
        with suppress(OSError):
            self._send("Browser.close")
        deadline = time.monotonic() + 10
        while os.waitpid(self.pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                break
            time.sleep(0.05)
        for fd in (self._in, self._out):
            os.close(fd)
        self._log.close()
        self._profile.cleanup()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Seeded:
    """The running app and what was put into it."""

    app: AppProcess
    api: httpx.Client
    providers: FakeProviders
    gptload: FakeGptLoad
    ids: dict[str, int] = field(default_factory=dict)  # provider name → id
    big: str = ""  # name of the provider with many models
    sync_id: int | None = None
    gptload_url: str = ""  # the fake GPT-Load, for its admin API (GPTLOAD_AUTH_KEY: the admin key given)


def big_model_names(count: int) -> list[str]:
    """Upstream names the way a reseller lists them: vendor prefixes, mixed case, versions."""
    vendors = ["openai", "anthropic", "google", "meta-llama", "mistralai", "qwen", "deepseek", "x-ai"]
    return [f"{vendors[i % len(vendors)]}/Model-{i:05d}-Instruct" for i in range(count)]


@contextmanager
def seeded_app(
    tmp_path: Path, *, big_models: int, admin_key: str, keys: dict[str, list[str]], small: bool = True
) -> Iterator[Seeded]:
    """Fake providers and a fake GPT-Load on loopback, the real app pointed at them, providers added over REST.

    ``keys`` maps account names ("big", "gemini", "claude") to their API keys. With ``small`` two more small
    providers are added besides the big one.
    """
    providers = FakeProviders()
    gptload = FakeGptLoad(admin_key)
    with ExitStack() as stack:
        providers_url = stack.enter_context(loopback_server(providers.app))
        gptload_url = stack.enter_context(loopback_server(gptload.app))
        host = providers_url.removeprefix("http://")
        accounts: dict[str, Account] = {
            "acme-reseller": providers.add("openai", host, keys["big"], big_model_names(big_models), prefix="/acme")
        }
        if small:
            accounts["gemini-direct"] = providers.add(
                "gemini", host, keys["gemini"], ["gemini-2.5-pro", "gemini-2.5-flash"], prefix="/gem", page_size=50
            )
            accounts["claude-direct"] = providers.add(
                "anthropic", host, keys["claude"], ["claude-sonnet-4-5", "claude-opus-4-1"], prefix="/ant", page_size=50
            )
        env = clean_env(
            tmp_path,
            ENCRYPTION_KEY=generate_key(),
            GPTLOAD_URL=gptload_url,
            GPTLOAD_AUTH_KEY=admin_key,
            UNIAPI_GPTLOAD_URL=gptload_url,
            GPTLOAD_CACHE_WAIT="5",
            UNIAPI_RELOAD_WAIT="0.5",  # no uni-api reads the file here
            UPSTREAM_TIMEOUT="30",
            LOG_LEVEL="WARNING",
        )
        app = stack.enter_context(app_process(env, free_port()))
        api = stack.enter_context(httpx.Client(base_url=app.url, timeout=120))
        seeded = Seeded(
            app=app, api=api, providers=providers, gptload=gptload, big="acme-reseller", gptload_url=gptload_url
        )
        for name, account in accounts.items():
            body = {"name": name, "base_url": account.base_url, "channel_type": account.dialect}
            body["api_keys"] = account.keys
            created = api.post("/api/providers", json=body)
            if created.status_code != 201:
                raise RuntimeError(f"adding {name} failed: {created.status_code} {created.text}")
            seeded.ids[name] = created.json()["id"]
        yield seeded


def rename_big(seeded: Seeded, renames: dict[str, str]) -> dict:
    """Rename models of the big provider (original → normalized) through the batch endpoint, duplicates confirmed."""
    provider_id = seeded.ids[seeded.big]
    listed = seeded.api.get(f"/api/providers/{provider_id}/models")
    ids = {m["original_name"]: m["id"] for m in listed.json()}
    body = {
        "renames": [{"model_id": ids[o], "normalized_name": n} for o, n in renames.items()],
        "confirm_duplicates": True,
    }
    answer = seeded.api.post(f"/api/providers/{provider_id}/models/batch", json=body)
    if answer.status_code != 200:
        raise RuntimeError(f"batch rename failed: {answer.status_code} {answer.text[:500]}")
    return answer.json()


def run_sync(seeded: Seeded, *, timeout: float = 120) -> dict:
    """Start one sync over REST and wait for its record."""
    checksum = seeded.api.get("/api/config/plan").json()["checksum"]
    started = seeded.api.post("/api/config/sync", json={"checksum": checksum})
    if started.status_code != 202:
        raise RuntimeError(f"sync did not start: {started.status_code} {started.text[:500]}")
    sync_id = started.json()["sync_id"]
    deadline = time.monotonic() + timeout
    while seeded.api.get("/api/config/sync/status").json()["running"]:
        if time.monotonic() > deadline:
            raise RuntimeError(f"sync {sync_id} did not finish within {timeout} s")
        time.sleep(0.1)
    seeded.sync_id = sync_id
    return seeded.api.get(f"/api/config/sync/{sync_id}").json()
