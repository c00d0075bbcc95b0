"""What a page shows in words, for the Chinese-page checks (issue 14 §5): element texts, labels, placeholders,
hints, option labels, grid headers and notifications, with the data, URLs and product names taken out. A test
opens a page in a browser asking for Chinese (the ``chinese_browser`` fixture) and asserts
``english_on_page(user) == {}``; tests/ui/test_i18n_ui.py shows the check finds English on an English page."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from nicegui import ElementFilter, ui
from nicegui.testing import User

ZH_BROWSER = "zh-CN,zh;q=0.9,en;q=0.8"
# Names no Chinese UI translates: products, formats, protocols, and the keys as their caps read (Ctrl, Alt).
PRODUCT_WORDS = ("LLM Provider Manager", "GPT-Load", "uni-api", "api.yaml", "YAML", "English", "API", "URL",
                 "GET /api/config/plan", "Ctrl", "Alt", "HTTP")  # fmt: skip
# Words that come from elsewhere, not from the page: GPT-Load's own error text.
NOT_THE_PAGES_WORDS = {"gptload-error"}
# The data of tests/ui/test_i18n_ui.py: provider and model names, and the group and uni-api entry names made of
# them ("alpha-one-no-..."). A test with other data passes its own pattern.
DATA = re.compile(r"(alpha-one|beta-two|shared-chat|solo-model)[\w.-]*|openai")
SHOWN_PROPS = ("label", "placeholder", "hint", "prefix", "suffix", "title")
URL = re.compile(r"(https?://|/)[\w.\-/:?=&%]*")


def english_words(text: str, data: re.Pattern[str] = DATA) -> list[str]:
    """Words of two or more Latin letters left once the data, URLs and product names are taken out."""
    for known in PRODUCT_WORDS:
        text = text.replace(known, " ")
    text = data.sub(" ", text)
    text = URL.sub(" ", text)
    text = re.sub(r"sk-\S+|\S*\*{2,}\S*", " ", text)  # masked keys
    return re.findall(r"[A-Za-z]{2,}", text)


def header_texts(defs: Iterable[dict]) -> Iterator[str]:
    for column in defs:
        yield column.get("headerName", "")
        yield column.get("headerTooltip", "")
        yield from header_texts(column.get("children", []))


def shown_texts(user: User, skip: set[str]) -> list[str]:
    """What the page shows in words: element texts, input and expansion labels, toggle options, grid headers."""
    with user.client:
        boxes = [box for marker in skip for box in ElementFilter(marker=marker)]
    skipped = {id(e) for box in boxes for e in box.descendants(include_self=True)}
    texts = []
    for element in user.client.layout.descendants():
        if id(element) in skipped or isinstance(element, ui.code):
            continue
        texts.append(getattr(element, "text", "") if isinstance(getattr(element, "text", ""), str) else "")
        texts += [str(element.props.get(prop) or "") for prop in SHOWN_PROPS]
        texts += [str(o.get("label", "")) for o in element.props.get("options") or [] if isinstance(o, dict)]
        if isinstance(element, ui.aggrid):
            texts += header_texts(element.options["columnDefs"])
            # AG Grid's own words (empty overlay, filter menu): without localeText they are English.
            texts += list((element.options.get("localeText") or {"": "AG Grid without localeText"}).values())
    return [text for text in texts if text.strip()]


def english_on_page(user: User, skip: set[str] = frozenset(), data: re.Pattern[str] = DATA) -> dict[str, list[str]]:
    """Every text the page shows (and every notification) that holds English words, with those words."""
    texts = shown_texts(user, NOT_THE_PAGES_WORDS | skip) + list(user.notify.messages)
    return {text: words for text in texts if (words := english_words(text, data))}
