"""Tailwind prebuilt: ui/tailwind.css linked into every page instead of NiceGUI's in-browser compiler.

Why: that compiler costs every page load about 0.2 s of the browser's main thread (it compiles the same CSS again,
then rescans the document on each change AG Grid makes; docs/benchmarks.md, "Where a cold load spends its time").
The stylesheet is what the same compiler makes of every class a page can meet, compiled once by
``make tailwind-css`` (tests/browser/tailwind_css.py). It stands in only while it is exact: built by the Tailwind
NiceGUI ships now, from every class-shaped word of ui/ (listed in its first comment). Otherwise pages compile as
before and the log says why, so a class added without a rebuild costs speed, never style.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import nicegui
from nicegui import app, ui

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
STYLESHEET = ROOT / "ui" / "tailwind.css"
COMPILER = Path(nicegui.__file__).parent / "static" / "tailwindcss.min.js"
REBUILD = "make tailwind-css"
TOKENS_LABEL = "class tokens:"  # the stylesheet's first comment lists the class tokens after this
YEAR = 31_536_000  # seconds: a rebuilt stylesheet gets a new URL (its digest), so the old one may be cached long
# A class-shaped word: kebab-case after optional variants (`max-xl:hidden`, `w-[36rem]`), or a one-word utility.
CLASS_TOKEN = re.compile(
    r"(?:[a-z0-9@\[\]-]+:)*!?-?[a-z][a-z0-9]*-[^\s{}'\"]+"
    r"|(?:[a-z0-9@-]+:)*(?:flex|grid|block|inline|hidden|contents|table|truncate|grow|shrink|italic|underline"
    r"|uppercase|lowercase|capitalize|relative|absolute|fixed|sticky|static|visible|invisible|container|border"
    r"|rounded|shadow|outline|ring|transition|isolate|antialiased|collapse|grayscale|invert|filter|resize)"
)
STRING_LITERAL = re.compile(r"\"([^\"\\\n]*)\"|'([^'\\\n]*)'")


def class_tokens(sources: list[Path] | None = None) -> set[str]:
    """Every class-shaped word of a string literal in ``sources`` (ui/ and main.py): what Tailwind may make a rule of.
    Over-counting is harmless (a word that is no utility compiles to nothing), under-counting is not."""
    words: set[str] = set()
    for source in sources if sources is not None else [*(ROOT / "ui").rglob("*.py"), ROOT / "main.py"]:
        for double, single in STRING_LITERAL.findall(source.read_text(encoding="utf-8")):
            words.update(w for w in (double or single).split() if CLASS_TOKEN.fullmatch(w))
    return words


def compiler_version(compiler: Path = COMPILER) -> str | None:
    """The Tailwind version NiceGUI ships: the first quoted x.y.z of its minified compiler."""
    with compiler.open(encoding="utf-8") as script:
        found = re.search(r'"(\d+\.\d+\.\d+)"', script.read(200))
    return found.group(1) if found else None


def stylesheet_gap(
    stylesheet: Path = STYLESHEET, *, tokens: set[str] | None = None, version: str | None = None
) -> str | None:
    """Why the stylesheet cannot stand in for the compiler now, in one sentence; None when it can."""
    if not stylesheet.is_file():
        return f"{stylesheet.name} is missing"
    header = stylesheet.read_text(encoding="utf-8").split("*/", 1)[0]
    built = re.search(r"tailwindcss v(\S+)", header)
    shipped = version or compiler_version()
    if not (built and shipped and built.group(1) == shipped):
        return f"Tailwind {built.group(1) if built else '(unknown)'} built it, NiceGUI ships {shipped or '(unknown)'}"
    listed = set(header.split(TOKENS_LABEL, 1)[-1].split()) if TOKENS_LABEL in header else set()
    if missing := sorted((class_tokens() if tokens is None else tokens) - listed):
        return f"it was built without these class tokens of ui/: {' '.join(missing[:10])}"
    return None


def use_prebuilt_stylesheet(stylesheet: Path = STYLESHEET) -> bool:
    """Link the stylesheet into every page when it can stand in (see the module's docstring); else say why.
    The caller passes ``tailwind=not use_prebuilt_stylesheet()`` to ``ui.run``."""
    if gap := stylesheet_gap(stylesheet):
        log.warning("Tailwind compiles in the browser, pages load slower: %s. Rebuild it: %s", gap, REBUILD)
        return False
    url = app.add_static_file(local_file=stylesheet, max_cache_age=YEAR)
    digest = hashlib.sha256(stylesheet.read_bytes()).hexdigest()[:12]
    ui.add_head_html(f'<link rel="stylesheet" href="{url}?v={digest}">', shared=True)
    return True
