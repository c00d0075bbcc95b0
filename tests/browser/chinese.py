"""The zh-CN pass of the browser smoke test (issue 14 §5): the shared Chromium asks for Chinese, and a page is
checked in the real DOM for its key Chinese texts, for English words outside the data, and at 1024 px for a
one-row header and whole button labels.

The language comes from the request's ``Accept-Language`` (DevTools ``Emulation.setUserAgentOverride``, which also
sets ``navigator.languages``), as from a browser set to Chinese; nothing is stored, so the English tests that share
the browser are not affected once it is switched back. The words are read from ``document.body.innerText`` with the
icons' ligature names ("sync", "dark_mode") hidden, and split as tests/ui/chinese.py's ``english_words`` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from tests.browser.harness import WINDOW, Chromium
from tests.ui.chinese import english_words
from ui.locales import ZH

NARROW = (1024, 768)
HEADER_HEIGHT = "document.querySelector('.q-header').getBoundingClientRect().height"
ZH_LANGUAGES = "zh-CN,zh,en"  # Chromium adds the weights: the Accept-Language of tests/ui/chinese.py's ZH_BROWSER
NAME = r"[A-Za-z0-9_.:/-]"  # a character of a provider, model or group name
# Channel types, and the vendors big_model_names() puts in front of its names: data wherever they show.
DATA_WORDS = ("openai", "anthropic", "gemini", "google", "meta-llama", "mistralai", "qwen", "deepseek", "x-ai")
# Hidden while the text is read: Material icons are ligatures whose text is the icon's name, code blocks show files
# (api.yaml and its diff: data), and AG Grid's screen-reader descriptions are no shown text (AG Grid's own words are
# checked by a test of their own).
HIDDEN = ".q-icon, .material-icons, .nicegui-code, pre, .ag-aria-description-container"
TEXT = f"""(() => {{
  const style = document.createElement('style');
  style.textContent = '{HIDDEN} {{ display: none !important }}';
  document.head.append(style);
  try {{ return document.body.innerText; }} finally {{ style.remove(); }}
}})()"""
# Shown buttons whose label does not fit: cut off (the button's, its content's or its label's box narrower than what
# it holds) or wrapped onto a second line (Chinese wraps between any two characters instead of overflowing).
CUT_BUTTONS = """(() => {
  const lines = e => { const r = document.createRange(); r.selectNodeContents(e);
    return new Set([...r.getClientRects()].filter(c => c.width > 0).map(c => Math.round(c.top))).size; };
  return [...document.querySelectorAll('button')].filter(b => b.offsetParent !== null && b.innerText.trim())
    .filter(b => [b, ...b.querySelectorAll('.q-btn__content, .block')].some(e => e.scrollWidth > e.clientWidth + 1)
                 || [...b.querySelectorAll('.block')].some(e => lines(e) > 1))
    .map(b => (b.querySelector('.block') || b).innerText.trim());
})()"""


def missing_texts(output: str) -> list[str]:
    """The keys ``ui.i18n`` found no text for, from the app's output (it logs each as an ERROR)."""
    return re.findall(r"no (?:en|zh) text for '[^']*'", output)


def zh(key: str, **values: object) -> str:
    """The Chinese text of ``key`` (ui/locales), as the page shows it."""
    text = ZH[key]
    return text.format(**values) if values else text


def data_pattern(names: Iterable[str], *patterns: str) -> re.Pattern[str]:
    """The data of the worlds: the provider and model names (or their stems) and ``patterns``, each with what is
    made of it (group names such as ``acme-reseller-no-aggregate-models``, ``shared-chat-aggregate``), and the
    channel types and vendors."""
    stems = [re.escape(s) for s in sorted({*names, *DATA_WORDS}, key=len, reverse=True)]
    return re.compile(rf"{NAME}*(?:{'|'.join([*stems, *patterns])}){NAME}*", re.IGNORECASE)


@contextmanager
def asking_for_chinese(browser: Chromium) -> Iterator[Chromium]:
    """The browser sends ``Accept-Language: zh-CN,zh;q=0.9,en;q=0.8`` until the block ends, then its own languages
    again (an override without languages would keep the Chinese ones)."""
    agent = browser.call("Browser.getVersion")["userAgent"]
    own = browser.evaluate("navigator.languages.join(',')")

    def override(languages: str) -> None:
        params = {"userAgent": agent, "acceptLanguage": languages}
        browser.call("Emulation.setUserAgentOverride", params, session=browser.session)

    override(ZH_LANGUAGES)
    try:
        yield browser
    finally:
        override(own)


def page_text(browser: Chromium) -> str:
    return browser.evaluate(TEXT)


def english_lines(text: str, data: re.Pattern[str]) -> dict[str, list[str]]:
    """The lines of ``text`` that hold English words once the data, URLs and product names are taken out."""
    return {line: words for line in text.splitlines() if (words := english_words(line, data))}


def chinese_problems(browser: Chromium, shown: Iterable[str], data: re.Pattern[str]) -> list[str]:
    """What is wrong with the open page in Chinese: key texts not shown, lines with English words."""
    text = page_text(browser)
    problems = [f"not shown: {wanted!r}" for wanted in shown if wanted not in text]
    problems += [f"English {words} in {line!r}" for line, words in english_lines(text, data).items()]
    return problems


@contextmanager
def window(browser: Chromium, size: tuple[int, int]) -> Iterator[None]:
    """The page laid out at ``size`` (no reload: media queries and the grids follow), then at WINDOW again."""

    def metrics(width: int, height: int) -> None:
        params = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        browser.call("Emulation.setDeviceMetricsOverride", params, session=browser.session)

    metrics(*size)
    try:
        browser.wait_for(f"window.innerWidth === {size[0]}", timeout=10, what=f"the page at {size[0]} px")
        browser.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        yield
    finally:
        metrics(*WINDOW)


def narrow_problems(browser: Chromium) -> list[str]:
    """At 1024 px: the header is one row (under 80 px, as the English test asks) and no shown button's label is cut
    off. Read on the open page."""
    with window(browser, NARROW):
        height = browser.evaluate(HEADER_HEIGHT)
        cut = browser.evaluate(CUT_BUTTONS)
    problems = [f"the header wraps at {NARROW[0]} px: {height} px high"] if height >= 80 else []
    return problems + [f"a button's label is cut off at {NARROW[0]} px: {label!r}" for label in cut]
