"""Normalization rules (pure): explainable rules that propose a normalized name for a model name.

A rule is data, a ``kind`` and its ``params`` (what a saved ``NormalizationRule`` row holds), and explains
itself in one sentence. The kinds, in the order suggestions use them:

    strip_prefix {prefix}  drop one vendor or organisation prefix (``deepseek-ai/``, ``Qwen/``, ``models/``)
    strip_org    {}        drop any prefix, everything up to the last ``/``
    lowercase    {}        case folding
    strip_suffix {suffix}  drop one provider suffix (``:free``, ``-latest``)
    strip_date   {}        drop a trailing date stamp (``-2024-08-06``, ``-20240806``, ``-0613``), only where the
                           name without it exists among the names
    separators   {}        spell names that differ only in separators (``qwen2.5``, ``qwen-2.5``, ``qwen_2.5``) one
                           way: the spelling most models use, then the shortest, then the first alphabetically

Two guards hold for every proposal, whatever the rule (``propose``):

- the result is a name the registry stores as it is (``core.catalog.clean_model_name``): not empty, no
  outer blanks, no control character, at most ``MAX_NAME`` characters;
- the version is kept (``version``): the numbers of a name, with its ``org/`` prefix and its date stamps left
  out, never change, so ``gpt-4o`` never becomes ``gpt-4``, ``qwen2.5`` never ``qwen2`` and
  ``claude-3-5-sonnet`` never ``claude-3-sonnet``. A proposal breaking either is not made.

Since every step keeps the version, two names that end up equal had the same version to begin with: applying
any number of rules never merges names that differ in a version number.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from operator import methodcaller

from core.shapes import CONTROL_CHARS

MAX_NAME = 500  # core.catalog.MAX_NAME (tests/test_normalization.py keeps the two equal)
MAX_PARAM = 100  # a prefix or suffix to strip


# ----- rules as data


@dataclass(frozen=True)
class Rule:
    """One rule: its kind and parameters; ``id`` is the saved rule's (None for a rule found in the names)."""

    kind: str
    params: tuple[tuple[str, str], ...] = ()
    id: int | None = field(default=None, compare=False)

    def param(self, name: str) -> str:
        return next(value for key, value in self.params if key == name)

    @property
    def data(self) -> dict[str, object]:
        return {"kind": self.kind, "params": dict(self.params)}

    @property
    def explanation(self) -> str:
        return KINDS[self.kind].explain(self)


def make_rule(kind: str, params: Mapping[str, object] | None = None, *, rule_id: int | None = None) -> Rule:
    """A rule from data, checked: a known kind with exactly its parameters. ValueError says what is wrong."""
    if kind not in KINDS:
        raise ValueError(f"Unknown rule kind {kind!r}; one of: {', '.join(KINDS)}.")
    params = dict(params or {})
    expected = KINDS[kind].params
    if set(params) != set(expected):
        wanted = ", ".join(expected) or "no parameters"
        raise ValueError(f"A {kind} rule takes {wanted}; got {', '.join(sorted(params)) or 'none'}.")
    for name, value in params.items():
        if not isinstance(value, str) or not value or value != value.strip():
            raise ValueError(f"{name} must be text without outer blanks, not empty.")
        if len(value) > MAX_PARAM or CONTROL_CHARS.search(value):
            raise ValueError(f"{name} must be at most {MAX_PARAM} characters, without control characters.")
    return Rule(kind, tuple(sorted((k, str(v)) for k, v in params.items())), rule_id)


# ----- what a name may be, and its version


def allowed(name: str) -> bool:
    """A name the registry stores exactly as given (``core.catalog.clean_model_name`` keeps it unchanged)."""
    return bool(name) and name == name.strip() and len(name) <= MAX_NAME and not CONTROL_CHARS.search(name)


# A date stamp after a separator, before the end or another separator: 2024-08-06, 20240806, 0613 (MMDD).
_DATE = re.compile(r"[-_@ ](\d{4}-\d{2}-\d{2}|\d{8}|\d{4})(?=$|[-_:@ ])")
_DIGIT = re.compile(r"[0-9]")
_VERSION_PART = re.compile(r"[0-9]+[a-z]*")


def _is_date(stamp: str, before: str) -> bool:
    """A real calendar stamp; a bare MMDD counts only after a version (``gpt-4-0613``, not ``model-0613``)."""
    digits = stamp.replace("-", "")
    if len(digits) == 8:
        year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
        return 2000 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31
    month, day = int(digits[:2]), int(digits[2:])
    return 1 <= month <= 12 and 1 <= day <= 31 and bool(_DIGIT.search(before))


def date_spans(name: str) -> list[tuple[int, int]]:
    """Where the date stamps of ``name`` are, each with the separator before it."""
    return [m.span() for m in _DATE.finditer(name) if _is_date(m.group(1), name[: m.start()])]


@lru_cache(maxsize=1 << 16)  # suggestions ask again for the same names, rule after rule
def version(name: str) -> tuple[str, ...]:
    """The version of a name: its numbers, each with the letters right after it (``4o``, ``72b``), case folded;
    the ``org/`` prefix and date stamps do not count (``deepseek-ai/DeepSeek-V3.1`` and ``deepseek-v3.1``
    are both ``('3', '1')``, ``gpt-4o-2024-08-06`` is ``('4o',)``)."""
    tail = name[name.rfind("/") + 1 :].lower()
    if _DATE.search(tail):
        for start, end in reversed(date_spans(tail)):
            tail = tail[:start] + tail[end:]
    return tuple(_VERSION_PART.findall(tail))


# ----- the names a rule looks at


# A separator between a letter and a digit (``qwen-2.5``); ``_`` and blanks elsewhere count as ``-``.
_LETTER_THEN_DIGIT = re.compile(r"(?<=[^\W\d_])[-_ ](?=[0-9])")
_OTHER_SEPARATOR = re.compile(r"[_ ]")


def separator_key(name: str) -> str:
    """What spellings differing only in separators share: ``qwen2.5``, ``qwen-2.5`` and ``qwen_2.5`` give
    ``qwen2.5``. What follows a number is never touched, so the key keeps the version."""
    return _OTHER_SEPARATOR.sub("-", _LETTER_THEN_DIGIT.sub("", name))


class Names:
    """The names rules are applied among: how many models use each spelling (for the rules that compare)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.counts = Counter(names)
        self._canonical: dict[str, str] | None = None

    def __contains__(self, name: str) -> bool:
        return name in self.counts

    def canonical(self, name: str) -> str:
        """The one spelling of ``name``'s separator variants: most models, then shortest, then alphabetical."""
        return self.variants().get(name, name)

    def variants(self) -> dict[str, str]:
        """``{spelling: its canonical spelling}`` for every spelling that has separator variants."""
        if self._canonical is None:
            clusters: dict[str, list[str]] = defaultdict(list)
            for spelling in self.counts:
                clusters[separator_key(spelling)].append(spelling)
            self._canonical = {}
            for spellings in clusters.values():
                if len(spellings) > 1:
                    chosen = min(spellings, key=lambda s: (-self.counts[s], len(s), s))
                    self._canonical.update(dict.fromkeys(spellings, chosen))
        return self._canonical


class Candidates:
    """The models a suggestion may change (``ids``, spelled ``spelled``) and every name (``among``), with the
    quick look-ups that let each rule skip the names it cannot change."""

    def __init__(self, names: Mapping[int, str], ids: list[int], among: Names) -> None:
        self.ids = ids
        self.spelled = [names[model_id] for model_id in ids]
        self.among = among
        self._by_prefix: dict[str, list[int]] | None = None

    def matching(self, test: Callable[[str], object]) -> list[int]:
        return list(compress(self.ids, map(test, self.spelled)))

    def with_prefix(self, prefix: str) -> list[int]:
        """The models whose name starts with ``prefix``: looked up when it ends with ``/``, else searched."""
        if not prefix.endswith("/"):
            return self.matching(methodcaller("startswith", prefix))
        if self._by_prefix is None:
            self._by_prefix = defaultdict(list)
            for model_id, name in zip(self.ids, self.spelled, strict=True):
                at = name.find("/")
                while at != -1:
                    self._by_prefix[name[: at + 1]].append(model_id)
                    at = name.find("/", at + 1)
        return self._by_prefix.get(prefix, [])


# ----- the kinds


@dataclass(frozen=True)
class Kind:
    label: str  # what the UI's select shows
    params: tuple[str, ...]
    explain: Callable[[Rule], str]
    apply: Callable[[str, Rule, Names], str]
    # The models the rule may change, found quickly (the others are skipped: suggestions for 30,000 models)
    candidates: Callable[[Rule, Candidates], list[int]]
    compares: bool = False  # the result depends on the other names (date stamps, separators)


def _strip_date(name: str, _: Rule, names: Names) -> str:
    spans = date_spans(name)
    if spans and spans[-1][1] == len(name) and name[: spans[-1][0]] in names:
        return name[: spans[-1][0]]
    return name


def _strip_suffix(name: str, rule: Rule, _: Names) -> str:
    suffix = rule.param("suffix")
    return name.removesuffix(suffix) if name != suffix else name


_TRAILING_DIGITS = re.compile(r"[0-9]$")


KINDS: dict[str, Kind] = {
    "strip_prefix": Kind(
        "Drop a vendor prefix",
        ("prefix",),
        lambda r: f"Drop the vendor prefix `{r.param('prefix')}`: clients call the model by its own name.",
        lambda name, r, _: name.removeprefix(r.param("prefix")),
        lambda r, c: c.with_prefix(r.param("prefix")),
    ),
    "strip_org": Kind(
        "Drop any organisation prefix",
        (),
        lambda _: "Drop any organisation prefix: everything up to the last `/`.",
        lambda name, _r, _n: name.rsplit("/", 1)[-1],
        lambda _, c: c.matching(methodcaller("__contains__", "/")),
    ),
    "lowercase": Kind(
        "Lowercase",
        (),
        lambda _: "Lowercase every letter, so names that differ only in case become one.",
        lambda name, _r, _n: name.lower(),
        lambda _, c: c.matching(lambda name: name != name.lower()),
    ),
    "strip_suffix": Kind(
        "Drop a provider suffix",
        ("suffix",),
        lambda r: f"Drop the provider suffix `{r.param('suffix')}`.",
        _strip_suffix,
        lambda r, c: c.matching(methodcaller("endswith", r.param("suffix"))),
    ),
    "strip_date": Kind(
        "Drop date stamps",
        (),
        lambda _: "Drop a trailing date stamp (`-2024-08-06`, `-20240806`, `-0613`) where the name without it exists.",
        _strip_date,
        lambda _, c: c.matching(_TRAILING_DIGITS.search),
        compares=True,
    ),
    "separators": Kind(
        "Unify separators",
        (),
        lambda _: (
            "Spell names that differ only in separators (`qwen2.5`, `qwen-2.5`, `qwen_2.5`) one way: the "
            "spelling most models use, then the shortest, then the first alphabetically."
        ),
        lambda name, _r, names: names.canonical(name),
        lambda _, c: c.matching(c.among.variants().__contains__),
        compares=True,
    ),
}


def propose(name: str, rule: Rule, names: Names) -> str | None:
    """What ``rule`` makes of ``name`` among ``names``, or None: no change, or one the guards refuse."""
    after = KINDS[rule.kind].apply(name, rule, names).strip()
    if after == name or not allowed(after) or version(after) != version(name):
        return None
    return after


# ----- rules found in the names, suggestions, and applying them


# Provider suffixes worth dropping: ``:free``, ``:beta`` (letters only: ``:8b`` is a size) and ``-latest``.
_SUFFIX = re.compile(r"(:[A-Za-z]+|-latest)$")


def found_rules(names: Iterable[str]) -> list[Rule]:
    """The rules these names call for: each vendor prefix (most used first), lowercase, each provider suffix,
    date stamps, separators. A rule that changes nothing makes no suggestion, so listing it costs nothing."""
    prefixes: Counter[str] = Counter()
    suffixes: Counter[str] = Counter()
    for name in names:
        if "/" in name:
            prefixes[name[: name.rindex("/") + 1]] += 1
        match = _SUFFIX.search(name)
        if match:
            suffixes[match.group(1)] += 1

    def ranked(counts: Counter[str]) -> list[str]:
        return sorted(counts, key=lambda text: (-counts[text], text))

    return [
        *(make_rule("strip_prefix", {"prefix": p}) for p in ranked(prefixes) if allowed(p) and len(p) <= MAX_PARAM),
        make_rule("lowercase"),
        *(make_rule("strip_suffix", {"suffix": s}) for s in ranked(suffixes)),
        make_rule("strip_date"),
        make_rule("separators"),
    ]


def rule_order(saved: Sequence[Rule], found: Sequence[Rule], disabled: Iterable[Rule] = ()) -> list[Rule]:
    """The saved (enabled) rules in their order, then the found ones neither saved nor disabled."""
    known = {*saved, *disabled}
    return [*saved, *(rule for rule in found if rule not in known)]


@dataclass(frozen=True)
class Change:
    model_id: int
    before: str
    after: str


@dataclass(frozen=True)
class Suggestion:
    """What one rule would change, computed alone on the current names."""

    rule: Rule
    changes: tuple[Change, ...]


def suggest(names: Mapping[int, str], rules: Sequence[Rule], scope: Iterable[int] | None = None) -> list[Suggestion]:
    """Per rule, the models it would rename (``{model_id: name}``, only ids in ``scope`` when given), each rule
    alone on the current names; every name counts for the rules that compare (date stamps, separators)."""
    among = Names(names.values())
    candidates = Candidates(names, sorted(names if scope is None else set(scope) & set(names)), among)
    found = []
    for rule in rules:
        changes = []
        for model_id in KINDS[rule.kind].candidates(rule, candidates):
            after = propose(names[model_id], rule, among)
            if after is not None:
                changes.append(Change(model_id, names[model_id], after))
        if changes:
            found.append(Suggestion(rule, tuple(changes)))
    return found


def compose(names: Mapping[int, str], accepted: Sequence[Suggestion]) -> dict[int, str]:
    """The new names after accepting suggestions: their rules in the given order, each on the models it lists
    and on the names the rules before it left. Only models whose name changes are returned."""
    current = dict(names)
    among = Names(())
    for suggestion in accepted:
        if KINDS[suggestion.rule.kind].compares:
            among = Names(current.values())
        for change in suggestion.changes:
            after = propose(current[change.model_id], suggestion.rule, among)
            if after is not None:
                current[change.model_id] = after
    return {model_id: name for model_id, name in current.items() if name != names[model_id]}


def suggest_names(originals: Sequence[str], rules: Sequence[Rule], known: Iterable[str] = ()) -> dict[str, str]:
    """A suggested name for each of ``originals`` (newly fetched models): ``rules`` applied in order, among
    ``known`` (the names the registry already serves) and the originals. A name no rule changes maps to itself.

    ``suggest_names(["Qwen/Qwen2.5-72B"], [make_rule("strip_org"), make_rule("lowercase")])``
    is ``{"Qwen/Qwen2.5-72B": "qwen2.5-72b"}``.
    """
    known = list(known)
    current = {original: original for original in originals}
    among = Names(())
    for rule in rules:
        if KINDS[rule.kind].compares:
            among = Names([*known, *current.values()])
        for original, name in current.items():
            current[original] = propose(name, rule, among) or name
    return current
