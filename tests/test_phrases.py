"""Core's sentences as phrases (core/phrases.py): a code and its values, the English from one table merged from
each area's (a code defined twice refused), the same code and values over REST and in the records (beside the
English they always had) and on the errors a page reads."""

from __future__ import annotations

import json
from string import Formatter

import pytest

from core.errors import InvalidChoice, InvalidInput
from core.import_shapes import ImportConflict
from core.import_sources import entry_source, group_source, whole_group
from core.phrases import ENGLISH, GENERAL, IMPORT, Phrase, one_table, phrase_from, phrase_of, refusal, say


def test_a_phrase_reads_as_its_english_with_the_phrases_among_its_values_said_too():
    unmappable = Phrase("group_unmappable", {"name": "odd", "reason": Phrase("no_keys")})
    assert str(unmappable) == "Group odd cannot be imported: it holds no keys."
    differ = Phrase("keys_differ", {"sources": (group_source("a", "https://a.test"), entry_source("b")), "count": 2})
    assert str(differ) == "group a (https://a.test), api.yaml entry b reach one upstream with 2 different key sets."


def test_other_words_say_the_same_code_and_values_and_a_list_of_phrases_one_by_one():
    differ = Phrase("keys_differ", {"sources": (group_source("a"), entry_source("b")), "count": 2})
    shouting = {
        "keys_differ": "{SOURCES}: {COUNT} KEY SETS",
        "source_group": "GROUP {NAME}",
        "source_entry": "ENTRY {NAME}",
    }

    def words(code: str, **values: str) -> str:
        return shouting[code].format(**{name.upper(): value for name, value in values.items()})

    assert say(differ, words) == "GROUP a, ENTRY b: 2 KEY SETS"
    assert say("plain data", words) == "plain data" and say(7, words) == "7"


def test_a_code_not_in_the_table_is_refused_where_it_is_made():
    with pytest.raises(ValueError, match="not_a_code"):
        Phrase("not_a_code")


def test_one_table_holds_every_area_and_refuses_a_code_two_areas_define():
    assert ENGLISH == GENERAL | IMPORT and len(ENGLISH) == len(GENERAL) + len(IMPORT)
    with pytest.raises(ValueError, match="no_keys"):
        one_table(GENERAL, {"no_keys": "again"}, IMPORT)


def test_a_sentence_of_any_area_is_one_phrase_said_the_same_way():
    invalid = Phrase("invalid_keys", {"count": 2})
    assert str(invalid) == "GPT-Load marks 2 of its keys invalid."
    assert invalid.public() == {"code": "invalid_keys", "values": {"count": 2}}
    assert say(invalid, lambda code, **values: f"{code}:{values}") == "invalid_keys:{'count': '2'}"


@pytest.mark.parametrize("code", sorted(ENGLISH))
def test_every_text_of_the_table_is_filled_by_its_placeholders_alone(code):
    names = {name for _, name, _, _ in Formatter().parse(ENGLISH[code]) if name is not None}
    assert all(name.isidentifier() for name in names), "no positional or attribute fields"
    assert "{" not in str(Phrase(code, {name: "x" for name in names})), "no stray braces"


def test_a_phrase_comes_back_whole_from_its_public_form():
    phrase = Phrase("provider_exists", {"sources": (group_source("a", "https://a.test"),), "name": "mine", "keys": 3})
    again = phrase_from(json.loads(json.dumps(phrase.public())))
    assert again == phrase and hash(again) == hash(phrase) and str(again) == str(phrase)
    assert phrase.public() == {
        "code": "provider_exists",
        "values": {
            "sources": [{"code": "source_group_upstream", "values": {"name": "a", "url": "https://a.test"}}],
            "name": "mine",
            "keys": 3,
        },
    }


def test_an_answer_carries_the_phrase_as_its_public_form_beside_the_english():
    detail = Phrase("group_unmappable", {"name": "odd", "reason": Phrase("no_keys")})
    conflict = ImportConflict(
        id="unmappable-1", kind="unmappable", detail=str(detail), detail_phrase=detail, options=["skip"], choice="skip"
    )
    assert conflict.detail_phrase is detail
    assert conflict.model_dump(mode="json")["detail_phrase"] == detail.public()


@pytest.mark.parametrize(
    "kept",
    [None, "waited 0.3 s", ["a"], {"values": {}}, {"code": "gone_in_this_version"}, {"code": "no_keys", "values": []}],
)
def test_what_an_older_record_keeps_instead_of_a_phrase_reads_as_none(kept):
    assert phrase_from(kept) is None


def test_a_refusal_says_its_phrase_in_its_detail_and_carries_it_for_rest_and_pages():
    phrase = Phrase("no_such_finding", {"name": "'x'"})
    error = refusal(InvalidChoice, phrase)
    assert (error.code, error.detail) == ("invalid_choice", "No group or entry named 'x' in this preview.")
    assert error.extra == {"detail_phrase": {"code": "no_such_finding", "values": {"name": "'x'"}}}
    assert phrase_of(error) == phrase
    assert refusal(InvalidInput, Phrase("not_base64"), code="backup_invalid").code == "backup_invalid"
    assert phrase_of(InvalidChoice("said otherwise")) is None


def test_the_whole_group_of_one_of_its_upstreams_is_the_group():
    assert whole_group(group_source("g", "https://a.test")) == group_source("g")
    assert whole_group(group_source("g")) == group_source("g")
    assert whole_group(entry_source("e")) == entry_source("e")
