"""Builds ui/tailwind.css (``make tailwind-css``): what NiceGUI's in-browser Tailwind makes of every class a
page can meet, compiled once in Chromium (the browser build of Tailwind has no command line). ui/tailwind.py says
why and when pages link it. Rebuild after adding a class to ui/ or upgrading NiceGUI: tests/test_tailwind.py fails
until then.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import nicegui  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.responses import FileResponse, HTMLResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from tests.browser.harness import Chromium, chromium_path, run_sync, seeded_app  # noqa: E402
from tests.fakes.server import loopback_server  # noqa: E402
from ui.tailwind import COMPILER, REBUILD, STYLESHEET, TOKENS_LABEL, class_tokens  # noqa: E402

ADMIN_KEY = "gptload-admin-tailwind-0123456789"
KEYS = {"big": ["sk-tailwind-big-0123456789abcdef"], "gemini": ["sk-tailwind-gem-0123456789abcdef"],
        "claude": ["sk-tailwind-cla-0123456789abcdef"]}  # fmt: skip
PAGE = """<!doctype html><html><head>
<style type="text/tailwindcss">@custom-variant dark (&:where(body.body--dark, body.body--dark *));</style>
<script src="/tailwind.js"></script></head><body><div id="candidates" hidden></div></body></html>"""
ALIGNMENTS = ("start", "end", "center", "between", "around", "evenly", "stretch", "baseline", "left", "right")
CANDIDATE = re.compile(r"!?-?[a-z@\[][a-z0-9\-:/\[\]\.%#_()&*,=+'>!]*")
COMPILED = ("[...document.querySelectorAll('style')].map(s => s.textContent)"
            ".filter(t => t.includes('tailwindcss v')).join('\\n')")  # fmt: skip
SETTLED_READS = 10  # Tailwind builds asynchronously: done when 10 reads 0.1 s apart see the same CSS


def source_words() -> set[str]:
    """What Tailwind's own command line would scan: every word of ui/ and of NiceGUI's and Quasar's scripts,
    ``text-``/``bg-`` with every word of ui/ (Quasar builds those from a ``color``), and the alignments."""
    package = Path(nicegui.__file__).parent
    ours = [*(ROOT / "ui").rglob("*.py"), ROOT / "main.py"]
    theirs = [package / "static" / "quasar.umd.prod.js", package / "static" / "nicegui.js", *package.glob("*.py"),
              *package.glob("elements/*.py"), *package.glob("elements/*.js"), *package.glob("elements/*/*.js"),
              *package.glob("elements/*/*.py")]  # fmt: skip
    words: set[str] = set()
    for text in (f.read_text() for f in ours + theirs if f.stat().st_size < 600_000):
        words.update(re.split(r"[\s\"'`]+", text))  # as written in a class attribute
        words.update(re.split(r"[\s\"'`;{}(),<>=]+", text))  # inside scripts and style strings too
        words.update(w.rsplit(":", 1)[-1] for w in CANDIDATE.findall(text))  # `display:inline-block` and the like
    words_of_ui = {w for f in ours for w in re.split(r"[\s\"'`{}]+", f.read_text())}
    words |= {f"{prefix}-{w}" for w in words_of_ui for prefix in ("text", "bg") if re.fullmatch(r"[a-z][a-z0-9-]*", w)}
    words |= {f"{prefix}-{a}" for a in ALIGNMENTS for prefix in ("text", "justify", "items", "self", "content")}
    return words


def page_classes(browser: Chromium) -> set[str]:
    """The classes in the DOM of every page of a seeded app after a sync: those the code builds at run time."""
    words: set[str] = set()
    with (
        tempfile.TemporaryDirectory(prefix="lpm-tailwind-") as tmp,
        seeded_app(Path(tmp), big_models=50, admin_key=ADMIN_KEY, keys=KEYS) as seeded,
    ):
        run_sync(seeded)
        for path in (
            "/",
            f"/providers/{seeded.ids[seeded.big]}",
            "/models",
            "/assistant",
            "/inbox",
            "/sync",
            "/import",
        ):
            browser.open(seeded.app.url + path)
            browser.wait_for("document.querySelector('.nicegui-content') !== null", what=f"{path} drawn")
            time.sleep(2)  # what the websocket brings after the page, drawn: nothing to wait for names its end
            words.update(browser.evaluate("[...document.querySelectorAll('[class]')].flatMap(e => [...e.classList])"))
    return words


def compile_css(browser: Chromium, candidates: list[str]) -> str:
    page = Starlette(routes=[Route("/", lambda _: HTMLResponse(PAGE)),
                             Route("/tailwind.js", lambda _: FileResponse(COMPILER))])  # fmt: skip
    with loopback_server(page) as url:
        browser.open(url + "/")
        browser.wait_for(f"({COMPILED}).length > 0", what="Tailwind's first build")
        browser.evaluate(f"document.getElementById('candidates').className = {json.dumps(' '.join(candidates))}")
        css, stable = "", 0
        while stable < SETTLED_READS:
            time.sleep(0.1)
            now = browser.evaluate(COMPILED, timeout=120)
            stable, css = (stable + 1, css) if now == css else (0, now)
    return css


def build(binary: str, out: Path = STYLESHEET) -> None:
    """The compiled candidates, then NiceGUI's headwind.css (its pages add it after Tailwind's output)."""
    with Chromium(binary) as browser:
        words = source_words() | page_classes(browser)
        candidates = sorted(w for w in words if len(w) < 60 and CANDIDATE.fullmatch(w))
        css = compile_css(browser, candidates)
    version = re.search(r"tailwindcss v(\S+)", css).group(1)
    listed = " ".join(sorted(t for t in class_tokens() if "*/" not in t))
    header = (f"/* tailwindcss v{version} (NiceGUI {nicegui.__version__}), compiled by `{REBUILD}` from "
              f"{len(candidates)} candidates: what NiceGUI's in-browser Tailwind makes of them, then NiceGUI's "
              f"headwind.css. ui/tailwind.py links this file instead of compiling in every page while NiceGUI ships "
              f"this Tailwind and ui/ has no class token missing here. {TOKENS_LABEL} {listed} */\n")  # fmt: skip
    headwind = (COMPILER.parent / "headwind.css").read_text().strip()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(header + css.strip() + "\n@layer overrides {\n" + headwind + "\n}\n")
    print(f"wrote {out}: {out.stat().st_size / 1024:.1f} KiB, Tailwind {version}, {len(candidates)} candidates, "
          f"{len(listed.split())} class tokens of ui/")  # fmt: skip


if __name__ == "__main__":
    found = chromium_path()
    if found is None:
        sys.exit("the stylesheet is compiled in Chromium: apt-get install -y chromium")
    build(found)
