"""The prebuilt Tailwind stylesheet (ui/tailwind.py): it stands in for NiceGUI's in-browser compiler only while it is
exact, the committed one is, and the app serves it (with its libraries compressed fast) instead of the compiler."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from core.crypto import generate_key
from tests.e2e.app_process import app_process, clean_env
from tests.fakes.server import free_port
from ui.tailwind import (
    REBUILD,
    STYLESHEET,
    TOKENS_LABEL,
    class_tokens,
    compiler_version,
    stylesheet_gap,
    use_prebuilt_stylesheet,
)

VERSION = "4.1.13"


def stylesheet(tmp_path, *, version: str = VERSION, tokens: str = "flex gap-2 w-[36rem]"):
    path = tmp_path / "tailwind.css"
    path.write_text(f"/* tailwindcss v{version} (NiceGUI x) ... {TOKENS_LABEL} {tokens} */\n.flex{{display:flex}}\n")
    return path


def source(tmp_path, text: str):
    path = tmp_path / "page.py"
    path.write_text(text)
    return [path]


@pytest.mark.parametrize(
    ("literal", "tokens"),
    [
        ('ui.row().classes("items-center w-full gap-x-4")', {"items-center", "w-full", "gap-x-4"}),
        ("ui.label().classes('max-xl:hidden text-sm')", {"max-xl:hidden", "text-sm"}),
        ('ui.element().classes("w-[36rem] h-[calc(100vh-16rem)]")', {"w-[36rem]", "h-[calc(100vh-16rem)]"}),
        ('x.classes("flex grow truncate")', {"flex", "grow", "truncate"}),
        ('x.classes("dark:bg-grey-9 hover:underline")', {"dark:bg-grey-9", "hover:underline"}),
        ('t("a sentence with words")', set()),  # prose is no class
        ('x = "Provider"', set()),
    ],
)
def test_class_tokens_are_the_class_shaped_words_of_string_literals(tmp_path, literal, tokens):
    assert class_tokens(source(tmp_path, literal)) == tokens


def test_the_committed_stylesheet_covers_every_class_of_ui_and_the_shipped_tailwind():
    """Fails after a class is added to ui/ (or NiceGUI upgraded) without `make tailwind-css`: pages would still look
    right (they compile in the browser then), but every load would be 0.2 s slower without anyone noticing."""
    assert stylesheet_gap() is None, f"rebuild it: {REBUILD}"
    assert STYLESHEET.stat().st_mode & 0o777 in (0o644, 0o664)  # no secret in it: readable is right


def test_a_class_token_the_stylesheet_was_not_built_from_is_named(tmp_path):
    tokens = class_tokens(source(tmp_path, 'x.classes("flex gap-2 w-[13rem]")'))
    gap = stylesheet_gap(stylesheet(tmp_path), tokens=tokens, version=VERSION)
    assert gap is not None and "w-[13rem]" in gap and "gap-2" not in gap


def test_a_stylesheet_of_another_tailwind_is_refused(tmp_path):
    gap = stylesheet_gap(stylesheet(tmp_path, version="4.0.0"), tokens={"flex"}, version=VERSION)
    assert gap == f"Tailwind 4.0.0 built it, NiceGUI ships {VERSION}"


def test_a_missing_or_headerless_stylesheet_is_refused(tmp_path):
    assert stylesheet_gap(tmp_path / "gone.css", tokens=set(), version=VERSION) == "gone.css is missing"
    bare = tmp_path / "bare.css"
    bare.write_text(".flex{display:flex}\n")
    assert "NiceGUI ships" in stylesheet_gap(bare, tokens=set(), version=VERSION)


def test_an_exact_stylesheet_stands_in(tmp_path):
    assert stylesheet_gap(stylesheet(tmp_path), tokens={"flex", "w-[36rem]"}, version=VERSION) is None


def test_the_shipped_compiler_version_is_read():
    assert re.fullmatch(r"\d+\.\d+\.\d+", compiler_version() or "")


def test_a_stale_stylesheet_falls_back_to_the_compiler_with_one_warning_naming_the_fix(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="ui.tailwind"):
        assert use_prebuilt_stylesheet(tmp_path / "gone.css") is False
    (record,) = caplog.records
    assert "gone.css is missing" in record.getMessage() and REBUILD in record.getMessage()


@pytest.mark.slow  # main.py as a process
def test_pages_link_the_stylesheet_instead_of_the_compiler_and_libraries_come_compressed(tmp_path):
    env = clean_env(tmp_path, ENCRYPTION_KEY=generate_key(), GPTLOAD_URL=f"http://127.0.0.1:{free_port()}")
    with app_process(env, free_port()) as app:
        page = httpx.get(f"{app.url}/", timeout=30).text
        (href,) = re.findall(r'<link rel="stylesheet" href="([^"]*tailwind\.css\?v=[0-9a-f]{12})">', page)
        assert "tailwindcss.min.js" not in page
        served = httpx.get(app.url + href, timeout=30)
        assert served.status_code == 200 and served.text == STYLESHEET.read_text()
        assert "max-age=31536000" in served.headers["cache-control"]
        quasar = re.search(r'src="(/_nicegui/[^"]*/quasar\.umd\.prod\.js)"', page).group(1)
        library = httpx.get(app.url + quasar, headers={"Accept-Encoding": "gzip"}, timeout=30)
        assert library.headers["content-encoding"] == "gzip"
    assert "Tailwind compiles in the browser" not in app.output
