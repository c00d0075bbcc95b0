"""Every error code a page can meet, as a sentence for people (Home Assistant's strings.json idea), in the
page's language: the sentences live in the translation table (``ui/locales/common.py``). So do core's own
sentences (``core.phrases``: a code and its values, ``said``; ``ui/locales/phrases.py``), the input problems a
request shape finds (by pydantic's error type, ``describe_invalid``), and how the language joins list items and
sentences (``joined``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from string import Formatter
from typing import TYPE_CHECKING

from pydantic import ValidationError

from core.catalog import fetch_notes
from core.errors import LpmError
from core.phrases import Value, say
from ui.i18n import language, t, text_in
from ui.locales import EN
from ui.locales.common import SEPARATORS
from ui.locales.phrases import PREFIX

if TYPE_CHECKING:
    from core.fetching import FetchResult

# The English sentence of each code, as REST-side tests and other pages know it; pages show ``sentence(code)``.
SENTENCES = {key.removeprefix("error."): text for key, text in EN.items() if key.startswith("error.")}
# Pydantic's error types the table says in words ("invalid.<type>"), with the values of the error's context
# each one names: its placeholders besides {field}. Any other type is said with pydantic's own (English) message.
INVALID = {
    key.removeprefix("invalid."): tuple(name for _, name, _, _ in Formatter().parse(text) if name and name != "field")
    for key, text in EN.items()
    if key.startswith("invalid.")
}


def sentence(code: str) -> str:
    """The sentence for an error code in the page's language (``ui.i18n``); an unknown code: a general one."""
    return t(f"error.{code}") if code in SENTENCES else t("message.unknown_error")


def said(value: Value, tr: Callable[..., str] = t) -> str:
    """One of core's phrases (a tuple of them: each said, then joined) in the page's language: its code names its
    text, ``said.<code>``, and the phrases among its values are said too. ``tr``: ``t``, or a ``translator()``
    where a handler may run outside the page's context."""
    return say(value, lambda code, **values: tr(f"{PREFIX}{code}", **values))


def joined(parts: Iterable[str], how: str = "list", lang: str | None = None) -> str:
    """``parts`` joined as ``lang`` (the page's language) joins them: ``how`` is "list" (items), "sentence" (whole
    sentences, each with its full stop), "then" (a sentence without its full stop, then the next) or "label" (a
    label, then what it labels)."""
    return SEPARATORS[lang or language()][how].join(parts)


def describe_invalid(error: ValidationError, lang: str | None = None) -> str:
    """Input a request shape refuses (too many keys, a name too long): the first problem, for people, in ``lang``
    (the page's language): by its type, naming the field; a type the table does not know in pydantic's words."""
    lang = lang or language()
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if not isinstance(part, int))
    kind, context = first.get("type", ""), first.get("ctx") or {}
    names = INVALID.get(kind)
    if where and names is not None and all(name in context for name in names):
        problem = text_in(lang, f"invalid.{kind}", field=where, **{name: context[name] for name in names})
    else:
        problem = f"{where}: {first.get('msg', '')}" if where else str(first.get("msg", ""))
    return joined([text_in(lang, "error.invalid_input"), problem], "sentence", lang).strip()


def describe(error: LpmError) -> str:
    """A headline for the code plus the detail (which carries the provider's own words)."""
    return joined([sentence(error.code), error.detail], "sentence")


def fetch_warning(base_url: str, result: FetchResult) -> str:
    """What core warns of after a fetch (``result.warning``: nothing usable listed, names the registry cannot hold)
    in the page's language; empty when it warns of nothing."""
    return joined((said(note) for note in fetch_notes(base_url, result.listed, result.skipped)), "sentence")
