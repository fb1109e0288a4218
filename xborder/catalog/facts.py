"""Facts a clerk reads from a sheet's text cells: packing counts, voltage, plug, battery, certifications,
food contact, age grading (patterns in data/sheet_facts.toml)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from xborder import data


@dataclass(frozen=True, slots=True)
class Fact:
    """A value read from a text cell, with where it was found: shown by `inspect`, kept in the JSON."""

    field: str  # the product field it fills: 'carton_qty', 'voltage', 'plug', 'battery', …
    value: str  # as read ('24', '220V', '国标', '内置锂电池2000mAh')
    column: str  # the column's label ('备注 (P)')
    text: str  # the cell's words around it, for people

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "value": self.value, "column": self.column, "text": self.text}


@dataclass(frozen=True, slots=True)
class FactRule:
    """One kind of fact of data/sheet_facts.toml."""

    key: str
    field: str
    label: str
    patterns: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]
    multiple: bool
    cues: tuple[str, ...]  # a text with none of these cannot state the fact: the patterns are not run


@dataclass(frozen=True, slots=True)
class PlausibleWeight:
    """How heavy one unit of a kind of product can be (data/sheet_facts.toml [[plausible_weight]])."""

    kind: str
    words: tuple[str, ...]
    min_kg: Decimal
    max_kg: Decimal


@dataclass(frozen=True)
class SheetFacts:
    """The compiled tables of data/sheet_facts.toml."""

    packing: tuple[re.Pattern[str], ...]
    rules: tuple[FactRule, ...]
    internal_words: tuple[str, ...]
    ignored_headers: frozenset[str]
    carton_weight_words: tuple[str, ...]
    unit_weight_words: tuple[str, ...]
    empty_carton_kg_per_m2: Decimal
    plausible: tuple[PlausibleWeight, ...]
    size_ladder: tuple[tuple[str, ...], ...]


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def sheet_facts() -> SheetFacts:
    """data/sheet_facts.toml, compiled once."""
    raw = data.load("sheet_facts.toml")
    packing = raw["packing"]
    words = {"{counter}": _alternation(packing["counters"]), "{carton}": _alternation(packing["cartons"]),
             "{label}": _alternation(packing["labels"])}

    def compiled(pattern: str) -> re.Pattern[str]:
        for placeholder, alternation in words.items():
            pattern = pattern.replace(placeholder, alternation)
        return re.compile(pattern, re.IGNORECASE)

    rules = tuple(FactRule(key, spec["field"], spec["label"], tuple(compiled(p) for p in spec["patterns"]),
                           tuple(compiled(p) for p in spec.get("unless", ())), bool(spec.get("multiple")),
                           tuple(c.casefold() for c in spec["cues"]))
                  for key, spec in raw["facts"].items())
    plausible = tuple(PlausibleWeight(p["kind"], tuple(w.casefold() for w in p["words"]),
                                      Decimal(p.get("min_kg", "0")), Decimal(p["max_kg"]))
                      for p in raw["plausible_weight"])
    return SheetFacts(
        packing=tuple(compiled(p) for p in packing["patterns"]),
        rules=rules,
        internal_words=tuple(w.casefold() for w in raw["columns"]["internal"]),
        ignored_headers=frozenset(_header_key(h) for h in raw["columns"]["ignored"]),
        carton_weight_words=tuple(w.casefold() for w in raw["weight_headers"]["carton"]),
        unit_weight_words=tuple(w.casefold() for w in raw["weight_headers"]["unit"]),
        empty_carton_kg_per_m2=Decimal(raw["weight_headers"]["empty_carton_kg_per_m2"]),
        plausible=plausible,
        size_ladder=tuple(tuple(spellings) for spellings in raw["sizes"]["ladder"]),
    )


def _header_key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).casefold()).rstrip(":：")


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def packing_count(text: str) -> tuple[int, str] | None:
    """Units per carton written in a text cell ('彩盒 24pcs/ctn' → (24, '24pcs/ctn')), else None."""
    plain = _plain(text)
    found: list[tuple[int, str]] = []
    for pattern in sheet_facts().packing:
        for match in pattern.finditer(plain):
            count = int(match.group("n"))
            if count > 0 and not _INNER.search(plain[max(0, match.start() - 12):match.start()]):
                found.append((count, match.group(0).strip()))
    # an inner box holds fewer than the carton: '内箱12个，外箱48个' and '6pcs/inner box, 24pcs/ctn' are 48 and 24
    return max(found, key=lambda f: f[0]) if found else None


def facts_in(text: str, column: str) -> list[Fact]:
    """Every fact of data/sheet_facts.toml stated in one cell's text (a packing count included)."""
    plain = _plain(text)
    if not _DIGIT_OR_LETTER.search(plain):
        return []
    found: list[Fact] = []
    packed = packing_count(plain) if _DIGIT.search(plain) else None
    if packed:
        found.append(Fact("carton_qty", str(packed[0]), column, packed[1]))
    folded = plain.casefold()
    for rule in sheet_facts().rules:
        if not any(cue in folded for cue in rule.cues) or any(u.search(plain) for u in rule.unless):
            continue
        matches = [(" ".join(m.group("v").split()), m) for p in rule.patterns for m in p.finditer(plain)]
        if not matches:
            continue
        matches.sort(key=lambda vm: (-len(vm[0]), vm[1].start()))
        kept: list[tuple[str, re.Match[str]]] = []
        for value, match in matches:
            # the longest reading of a place wins: 'food grade silicone', not 'food grade' as well
            if value and not any(value.casefold() in k.casefold() or _overlap(match, m) for k, m in kept):
                kept.append((value, match))
        for value, match in sorted(kept[:None if rule.multiple else 1], key=lambda vm: vm[1].start()):
            found.append(Fact(rule.field, value, column, _around(plain, match.start(), match.end())))
    return found


_DIGIT = re.compile(r"\d")
_SIZE_RANGE = re.compile(r"([A-Za-z0-9]{1,6})\s*(?:-|~|～|–|至|到)\s*([A-Za-z0-9]{1,6})")
_INNER = re.compile(r"(?:内|中)(?:盒|箱|包装)?\s*$|inner(?:\s+(?:box|carton|pack))?\s*[:：]?\s*$", re.IGNORECASE)
_DIGIT_OR_LETTER = re.compile(r"[\d\w]")


def _overlap(a: re.Match[str], b: re.Match[str]) -> bool:
    return a.start("v") < b.end("v") and b.start("v") < a.end("v")


def _around(text: str, start: int, end: int, margin: int = 12) -> str:
    head = max(0, start - margin)
    tail = min(len(text), end + margin)
    return ("…" if head else "") + text[head:tail].strip() + ("…" if tail < len(text) else "")


def expand_sizes(items: list[str]) -> list[str]:
    """Sizes as a clerk reads them: 'S-XL' → S, M, L, XL; 'S M L XL' → S, M, L, XL; others unchanged."""
    ladder = sheet_facts().size_ladder
    rank = {spelling.casefold(): i for i, spellings in enumerate(ladder) for spelling in spellings}
    out: list[str] = []
    for item in items:
        plain = _plain(item).strip()
        words = plain.split()
        span = _SIZE_RANGE.fullmatch(plain)
        if span and span.group(1).casefold() in rank and span.group(2).casefold() in rank \
                and rank[span.group(1).casefold()] < rank[span.group(2).casefold()]:
            first, last = rank[span.group(1).casefold()], rank[span.group(2).casefold()]
            out += [ladder[i][0] if i not in (first, last) else (span.group(1) if i == first else span.group(2))
                    for i in range(first, last + 1)]
        elif len(words) > 1 and all(w.casefold() in rank for w in words):
            out += words
        else:
            out.append(item)
    return list(dict.fromkeys(out))


def fact_label(field: str) -> str:
    """The label of a fact's field for people ('Battery')."""
    return next((r.label for r in sheet_facts().rules if r.field == field), field.replace("_", " ").capitalize())


def is_ignored_header(header: str) -> bool:
    """Row numbers and the like (序号, No.): not read at all; a bilingual header ('序号 No.') when each of its parts
    is one."""
    ignored = sheet_facts().ignored_headers
    parts = [part for part in re.split(r"[\s/]+", header) if part]
    return _header_key(header) in ignored or (len(parts) > 1 and all(_header_key(p) in ignored for p in parts))


def is_internal_header(header: str) -> bool:
    """Prices, packing, terms, remarks: read for facts but never put into a listing."""
    key = _plain(header).casefold()
    # a Latin word must stand as a word ('tax' is not in 'syntax'); Chinese words are found anywhere
    return any(re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", key) if word.isascii() else word in key
               for word in sheet_facts().internal_words)


def weight_header_basis(header: str) -> str:
    """'carton', 'unit' or 'either' for a weight column's header ('毛重/箱', '单重', 'N.W./G.W.')."""
    key = _plain(header).casefold()
    if any(word in key for word in sheet_facts().unit_weight_words):
        return "unit"
    if any(word in key for word in sheet_facts().carton_weight_words):
        return "carton"
    return "either"


def plausible_range(*texts: str | None) -> PlausibleWeight | None:
    """The plausible weight of one unit for a product named or categorised so, if its kind is known."""
    joined = " ".join(t for t in texts if t).casefold()
    if not joined:
        return None
    return next((p for p in sheet_facts().plausible if any(w in joined for w in p.words)), None)
