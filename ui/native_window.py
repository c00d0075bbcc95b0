"""The desktop window of ``main.py --native``: pywebview onto the running server, in a process of its own.

NiceGUI's native mode was not used: it spawns its window process with multiprocessing, which imports main.py
there again (so ``main()`` ran twice), names the window after main.py, opens it at 800x600, and leaves it
running after SIGTERM (uvicorn re-raises the signal once it has shut down, which skips the atexit hook that
ends daemon processes). Instead the server runs as in browser mode and this module runs the window:

- ``unavailable_reason`` (server, before start-up): no display, or no pywebview; then browser mode.
- ``NativeWindow`` (server): starts this file as ``python -P ui/native_window.py URL PID STORAGE``; when the
  window closes the server stops, and when the server stops (Ctrl+C, SIGTERM) the window process ends.
- ``main`` (window process): dies with its parent, loads a GUI backend or prints one line that names what
  to install (exit ``MISSING_BACKEND``: the server stays in browser mode), names itself for the desktop,
  waits for the server and opens the window.

It imports neither NiceGUI nor core, so the window process loads only pywebview and its toolkit (``-P``
keeps ui/ off its import path).
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, NamedTuple
from urllib.parse import urlsplit

APP_NAME = "LLM Provider Manager"  # window title, WM_CLASS class, Qt application name
APP_ID = "llm-provider-manager"  # WM_CLASS instance, GLib program name, Wayland app id
WINDOW_SIZE = (1440, 900)  # the header on one line (it crowds from 1280 to about 1400 px wide) and the grid
MIN_SIZE = (960, 640)
MISSING_BACKEND = 3  # the window process's exit code when no GUI backend loads (its one line says why)
SERVER_WAIT = 60.0  # seconds the window waits for the server to listen
CLOSE_WAIT = 5.0  # seconds the window process has to end after SIGTERM (then SIGKILL)
README_HINT = 'README "Native window mode"'
GTK_PACKAGES = "gir1.2-webkit2-4.1 libgirepository1.0-dev libcairo2-dev pkg-config"
PIP_NATIVE = ".venv/bin/pip install -e '.[native]'"
PIP_NATIVE_QT = ".venv/bin/pip install -e '.[native-qt]'"
_ENDED_BY_USER = {-signal.SIGINT, -signal.SIGTERM, -signal.SIGHUP}  # Ctrl+C, kill, a closed terminal


def unavailable_reason(environ: Mapping[str, str], platform: str, has_pywebview: bool) -> str | None:
    """Why no native window can open here, checked before start-up (None: try it)."""
    if platform.startswith("linux") and not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        return "there is no display (DISPLAY and WAYLAND_DISPLAY are unset)"
    if not has_pywebview:
        return f"pywebview is not installed ({PIP_NATIVE})"
    return None


def has_pywebview() -> bool:
    return importlib.util.find_spec("webview") is not None


def window_url(host: str, port: int) -> str:
    """Where the window loads the UI: a server on every address is reached on loopback."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def fallback_line(reason: str, url: str) -> str:
    return f"No native window: {reason}. Serving in browser mode at {url}"


def window_size(screen: tuple[int, int] | None, wanted: tuple[int, int] = WINDOW_SIZE) -> tuple[int, int]:
    """``wanted``, shrunk to 90 % of a smaller screen (never below MIN_SIZE)."""
    if screen is None:
        return wanted
    return tuple(max(low, min(want, int(have * 0.9))) for want, have, low in zip(wanted, screen, MIN_SIZE, strict=True))  # type: ignore[return-value]


class Problem(NamedTuple):
    """Why a backend did not load: the words for the user, and whether its Python packages were there."""

    text: str
    python_side: bool


def gtk_problem(error: BaseException) -> Problem:
    """What to install when the GTK backend failed to load with ``error``."""
    text = str(error)
    if isinstance(error, ModuleNotFoundError) and (error.name or "").split(".")[0] in {"gi", "cairo"}:
        words = f"PyGObject is not installed for this Python (apt-get install {GTK_PACKAGES}, then {PIP_NATIVE})"
        return Problem(words, python_side=False)
    if "WebKit2" in text or "Soup" in text:
        return Problem("WebKitGTK is not installed (apt-get install gir1.2-webkit2-4.1)", python_side=True)
    if re.search(r"Namespace (Gtk|Gdk)\b", text):
        return Problem("GTK 3 is not installed (apt-get install gir1.2-gtk-3.0)", python_side=True)
    return Problem(f"GTK cannot start ({text or type(error).__name__})", python_side=True)


def qt_problem(error: BaseException | None, missing_libraries: list[str]) -> Problem:
    """What to install when the Qt backend failed: Python packages, or the libraries of Qt's xcb plugin."""
    if missing_libraries:
        words = f"Qt's X11 plugin lacks system libraries (apt-get install {' '.join(missing_libraries)})"
        return Problem(words, python_side=True)
    if isinstance(error, ImportError):
        return Problem(f"PyQt6 with QtWebEngine is not installed ({PIP_NATIVE_QT})", python_side=False)
    return Problem(f"Qt cannot start ({error or 'unknown error'})", python_side=True)


def most_relevant(problems: list[Problem]) -> str:
    """The one line to show: the first backend whose Python side is installed (the one the user chose), else
    the first tried (GTK, unless PYWEBVIEW_GUI=qt)."""
    return next((p for p in problems if p.python_side), problems[0]).text


def debian_package(soname: str) -> str:
    """The Debian package of a shared library: libxcb-icccm.so.4 -> libxcb-icccm4, libxkbcommon-x11.so.0 -> ...-0."""
    name, _, version = soname.partition(".so")
    version = version.lstrip(".").split(".")[0]
    if not version:
        return name
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def missing_sonames(ldd_output: str) -> list[str]:
    """The libraries ``ldd`` reports as ``not found``, in order, once each."""
    found = re.findall(r"^\s*(\S+) => not found", ldd_output, flags=re.MULTILINE)
    return list(dict.fromkeys(found))


class NativeWindow:
    """The window process, seen from the server: open it, learn when it closes, end it when the server stops."""

    def __init__(self, url: str, storage: Path, *, on_closed: Callable[[], None]) -> None:
        self.url = url
        self.storage = storage
        self.on_closed = on_closed
        self.interpreter = [sys.executable]
        self.process: subprocess.Popen[bytes] | None = None
        self.watcher = threading.Thread(target=self._watch, name="native-window", daemon=True)
        self._closing = False

    def open(self, stdout: IO[str] | None = None) -> None:
        """Start the window process (from the main thread: it dies with this thread, see ``_die_with``)."""
        script = str(Path(__file__).resolve())
        command = [*self.interpreter, "-P", script, self.url, str(os.getpid()), str(self.storage)]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=stdout)
        self.watcher.start()

    def close(self) -> None:
        """End the window process if it still runs: SIGTERM, then SIGKILL after ``CLOSE_WAIT`` seconds."""
        self._closing = True
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(CLOSE_WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(CLOSE_WAIT)

    def _watch(self) -> None:
        assert self.process is not None
        code = self.process.wait()
        if self._closing or code == MISSING_BACKEND:  # the server is stopping, or it stays in browser mode
            return
        if code != 0 and code not in _ENDED_BY_USER:
            print(f"The native window ended unexpectedly (exit code {code}); still serving at {self.url}", flush=True)
            return
        self.on_closed()


# --- The window process -------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    url, parent, storage = argv[0], int(argv[1]), argv[2]
    _die_with(parent)
    preferred = os.environ.get("PYWEBVIEW_GUI", "").lower()
    loaders = [_load_qt, _load_gtk] if preferred == "qt" else [_load_gtk, _load_qt]
    problems: list[Problem] = []
    for load in loaders:
        problem = load()
        if problem is None:
            break
        problems.append(problem)
    else:
        print(fallback_line(f"{most_relevant(problems)}; see {README_HINT}", url), flush=True)
        return MISSING_BACKEND
    if not _wait_for_server(url, time.monotonic() + SERVER_WAIT):
        print(f"No native window: the server did not answer at {url} within {SERVER_WAIT:.0f} s", flush=True)
        return 1
    import webview

    width, height = window_size(_screen_size())
    webview.create_window(APP_NAME, url, width=width, height=height, min_size=MIN_SIZE)
    webview.start(private_mode=False, storage_path=storage)
    return 0


def _die_with(parent: int) -> None:
    """Get SIGTERM when the server's process dies, however it dies; default Ctrl+C and SIGTERM: end at once."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above
        sys.exit(0)


def _load_gtk() -> Problem | None:
    """Load pywebview's GTK backend, named for the desktop; None when it loaded, else what to install."""
    try:
        import gi

        gi.require_version("GLib", "2.0")
        from gi.repository import GLib

        GLib.set_prgname(APP_ID)  # WM_CLASS instance and Wayland app id (before GTK opens the display)
        GLib.set_application_name(APP_NAME)
        import webview.platforms.gtk  # noqa: F401  # what pywebview loads: GTK 3, WebKit2 4.1 (or 4.0)
        from gi.repository import Gdk

        # WM_CLASS class of the windows made from now on (the taskbar's and Alt-Tab's name). Set before GDK
        # opens the display (or with its --class option) it is lost to GDK 3's own start-up.
        Gdk.set_program_class(APP_NAME)
    except (ImportError, ValueError, RuntimeError) as error:
        return gtk_problem(error)
    os.environ["PYWEBVIEW_GUI"] = "gtk"
    return None


def _load_qt() -> Problem | None:
    """Load pywebview's Qt backend and create the application under our name; None when it loaded."""
    try:
        import webview.platforms.qt  # noqa: F401  # QtWebEngine
        from qtpy import QtCore, QtWidgets
    except ImportError as error:
        return qt_problem(error, [])
    # A missing library of the xcb plugin makes Qt abort the process: find it first.
    plugin = Path(QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.PluginsPath)) / "platforms" / "libqxcb.so"
    platform = os.environ.get("QT_QPA_PLATFORM") or ("wayland" if os.environ.get("WAYLAND_DISPLAY") else "xcb")
    if plugin.exists() and platform.startswith("xcb"):
        ldd = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=30).stdout
        if missing := missing_sonames(ldd):
            return qt_problem(None, [debian_package(name) for name in missing])
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # Chromium's sandbox refuses root ("Running as root ...")
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    os.environ["RESOURCE_NAME"] = APP_ID  # WM_CLASS instance (Qt's xcb plugin reads it; else the script's name)
    QtWidgets.QApplication.setApplicationName(APP_NAME)  # WM_CLASS class
    QtWidgets.QApplication.setDesktopFileName(APP_ID)  # Wayland app id
    QtWidgets.QApplication([APP_ID])  # pywebview reuses this application
    os.environ["PYWEBVIEW_GUI"] = "qt"
    return None


def _wait_for_server(url: str, deadline: float) -> bool:
    parts = urlsplit(url)
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((parts.hostname, parts.port or 80), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _screen_size() -> tuple[int, int] | None:
    import webview

    try:
        screen = webview.screens[0]  # a module property: the backend's monitors
    except Exception:  # a backend that cannot tell before start: the default size
        return None
    return int(screen.width), int(screen.height)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
