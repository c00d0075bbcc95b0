"""Every error code a page can meet, as a sentence for people (Home Assistant's strings.json idea), in the
page's language: the sentences live in the translation table (``ui/locales/common.py``)."""

from __future__ import annotations

from pydantic import ValidationError

from core.errors import LpmError
from ui.i18n import t
from ui.locales import EN

# The English sentence of each code, as REST-side tests and other pages know it; pages show ``sentence(code)``.
SENTENCES = {key.removeprefix("error."): text for key, text in EN.items() if key.startswith("error.")}


def sentence(code: str) -> str:
    """The sentence for an error code in the page's language (``ui.i18n``); an unknown code: a general one."""
    return t(f"error.{code}") if code in SENTENCES else t("message.unknown_error")


def describe_invalid(error: ValidationError) -> str:
    """Input a request shape refuses (too many keys, a name too long): the first problem, for people."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if not isinstance(part, int))
    return f"{sentence('invalid_input')} {where}: {first.get('msg', '')}".strip()


def describe(error: LpmError) -> str:
    """A headline for the code plus the detail (which carries the provider's own words)."""
    headline = sentence(error.code)
    return f"{headline} {error.detail}"
