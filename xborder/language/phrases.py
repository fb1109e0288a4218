"""The phrase bank (data/phrasebank.toml): labels, formats, option values and spec words per language, and how
catalogs write the option values (`sources`)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from xborder import data

Pattern = str | dict[str, str]  # a counter's pattern, or one per CLDR plural category ('one', 'other' …)


@dataclass(frozen=True)
class PhraseBank:
    """Phrases for one language tag; a locale ('en-GB') inherits what it does not override.

    `colors` and `sizes` name option values by their id in `sources` ('white' → 'Weiß'); `counters` give the
    pattern of a number before a counter word ('ribs' → '{n} Streben')."""

    tag: str
    labels: dict[str, str]
    format: dict[str, str]
    containers: dict[str, str]
    colors: dict[str, str]
    sizes: dict[str, str]
    counters: dict[str, Pattern]

    @property
    def complete(self) -> bool:
        """Whether the bank can label attributes at all (a language without one leaves them pending)."""
        return bool(self.labels) and "bullet" in self.format

    def label(self, key: str) -> str | None:
        return self.labels.get(key)

    def fmt(self, key: str, **values: str) -> str | None:
        template = self.format.get(key)
        return template.format(**values) if template else None

    def join(self, items: list[str]) -> str:
        """Items as a list; values holding the list separator themselves ('Groß, 40 cm') apart by a stronger one."""
        separator = self.format.get("list_separator", ", ")
        if any(separator.strip() and separator.strip() in item for item in items):
            separator = self.format.get("option_list_separator", "; ")
        return separator.join(items)

    def name(self, kind: str, ident: str) -> str | None:
        """The name of an option value ('colors', 'white') in this language, if the bank has one."""
        return (self.colors if kind == "colors" else self.sizes).get(ident)

    def value(self, spelling: str) -> str | None:
        """The name of a colour or size as a catalog writes it ('白色', 'Off-white'), if the bank has one."""
        word = option_sources().words.get(fold_spelling(spelling))
        return self.name(word.kind, word.ident) if word else None


_SECTIONS = ("labels", "format", "containers", "colors", "sizes", "counters")


@cache
def phrasebank(tag: str) -> PhraseBank:
    """The phrase bank for a language tag, falling back from 'en-GB' to 'en'."""
    raw = data.load("phrasebank.toml")
    language = tag.split("-")[0]
    layers = [raw.get(language, {})] + ([raw.get(tag, {})] if tag != language else [])
    merged: dict[str, dict[str, Any]] = {}
    for layer in layers:
        for section in _SECTIONS:
            merged.setdefault(section, {}).update(layer.get(section, {}))
    return PhraseBank(tag, *(merged[section] for section in _SECTIONS))


# sources: how catalogs write option values ------------------------------------------------------
_SPELLING_GAPS = re.compile(r"[\s\-_‐‑–]+")


def fold_spelling(text: str) -> str:
    """A spelling's comparison form: NFKC, lower case, a run of spaces, hyphens or underscores as one space
    ('Off-white', 'OFF WHITE', ' off_white ' → 'off white')."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    return _SPELLING_GAPS.sub(" ", folded).strip()


@dataclass(frozen=True)
class OptionWord:
    """A colour or size of `sources`: its kind ('colors', 'sizes'), id, and Chinese spellings."""

    kind: str
    ident: str
    zh: tuple[str, ...]


@dataclass(frozen=True)
class Counter:
    """A counter or unit word after a number (寸, 骨, 岁 …): its id in the languages' `counters`, or the `format`
    key that renders it with {count} instead."""

    ident: str
    format: str = ""


@dataclass(frozen=True)
class OptionSources:
    """Every spelling a catalog may give an option value in, folded (fold_spelling)."""

    words: dict[str, OptionWord]  # '白色', 'white', 'off white' → the word
    counters: dict[str, Counter]  # '寸', 'inch', '"' → the counter
    measures: dict[str, str]  # a unit alias of units.toml ('厘米', 'cm', '升') → the symbol written ('cm', 'L')
    size_suffixes: tuple[str, ...]  # what adds nothing after a letter size: 码, 号


@cache
def option_sources() -> OptionSources:
    """The `sources` table of the phrase bank, with each entry's English names as further spellings."""
    raw = data.load("phrasebank.toml")
    sources = raw["sources"]
    words: dict[str, OptionWord] = {}
    names: list[tuple[str, OptionWord]] = []  # the entries' English names, spellings unless taken
    for kind in ("colors", "sizes"):
        for ident, entry in sources[kind].items():
            word = OptionWord(kind, ident, tuple(entry.get("zh", ())))
            for spelling in [*word.zh, *entry.get("en", ())]:
                words.setdefault(fold_spelling(spelling), word)
            for tag in ("en", "en-GB"):
                name = raw.get(tag, {}).get(kind, {}).get(ident)
                if name:
                    names.append((fold_spelling(name), word))
    for spelling, word in names:
        words.setdefault(spelling, word)
    counters = {fold_spelling(spelling): Counter(ident, entry.get("format", ""))
                for ident, entry in sources["counters"].items()
                for spelling in [*entry.get("zh", ()), *entry.get("en", ())]}
    units = data.load("units.toml")
    tables = {**units["weight"], **units["length"], **units["volume"]}
    measures = {fold_spelling(alias): symbol for key, symbol in sources["measures"].items()
                for alias in tables[key]["aliases"]}
    return OptionSources(words, counters, measures, tuple(sources["letter_sizes"]["suffixes"]))
