"""Option values (colours, sizes, counted units) in a market's language, from the phrase bank and the glossary.

A catalog writes its options in Chinese or English, often several parts in one value: 'White', 'Off-white',
'21寸 8骨', '大号40cm', '3-4岁', 'XL码'. A value is read into parts (phrase bank `sources`): colour and size
words, a number before a counter word (21寸, 8骨, 3-4岁, 40码), an amount in a metric unit (40cm, 1.5L), a letter
size (XL), a bare number. It is translated only when every part is known, each part on its own and joined as the
language joins them; otherwise nothing is rendered and the value stays as written, pending like any other
untranslated text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import Literal

from babel import Locale

from xborder.language.measures import number
from xborder.language.phrases import OptionSources, PhraseBank, fold_spelling, option_sources, phrasebank
from xborder.markets import Market
from xborder.language.rendering import Rendering, weakest
from xborder.language.glossary import Glossary, fold

MAX_CHARS = 40  # option values are short; a longer segment (a name, a selling point) is not read as one

_SEPARATORS = " \t,，、;；·・"
_JOINERS = {"+": " + ", "＋": " + ", "&": " & "}
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)(?:\s*[-~～–—至到]\s*(\d+(?:\.\d+)?))?\s*")
# letter sizes: XS, S, M, L, XL, XXL, 2XL … 6XL, XXXL; stated as written in every language
_LETTER_SIZE = re.compile(r"(?<![A-Za-z])(?:[2-6]?X{1,4}[SL]|X{0,3}S|M|L)(?![A-Za-z])", re.IGNORECASE)
_BRACKETED = re.compile(r"^(?P<head>.+?)\s*\((?P<inner>[^()]+)\)$")

PartKind = Literal["word", "counter", "measure", "letter", "number", "gap", "joiner"]


@dataclass(frozen=True)
class Part:
    """One part of an option value.

    kind: 'word' (a colour or size of `sources`), 'counter' (a number before a counter word), 'measure' (an amount
    in a unit), 'letter' (a letter size), 'number' (a bare number), 'gap' (a separator), 'joiner' ('+')."""

    kind: PartKind
    text: str  # the part as the catalog writes it
    ident: str = ""  # the word's or counter's id, the unit's symbol, or the letter size ('XL' of 'xl码')
    word_kind: str = ""  # 'colors' | 'sizes' for a word
    low: Decimal | None = None
    high: Decimal | None = None  # the upper end of a range ('3-4岁')
    format: str = ""  # a counter rendered by a [format] key


@dataclass(frozen=True)
class OptionValue:
    """An option value read into parts; `inner` is a part in brackets at its end ('大号(40cm)')."""

    parts: tuple[Part, ...]
    inner: tuple[Part, ...] = ()


def read_option(value: str) -> OptionValue | None:
    """The parts of an option value, or None when a part is not known (then it is not translated)."""
    return _read(unicodedata.normalize("NFKC", value).strip())


@lru_cache(maxsize=8192)
def _read(text: str) -> OptionValue | None:
    if not text or len(text) > MAX_CHARS:
        return None
    bracketed = _BRACKETED.match(text)
    if bracketed:
        head, inner = _parts(bracketed.group("head")), _parts(bracketed.group("inner"))
        return OptionValue(head, inner) if head and inner else None
    parts = _parts(text)
    return OptionValue(parts) if parts else None


def _parts(text: str) -> tuple[Part, ...] | None:
    sources = option_sources()
    whole = sources.words.get(fold_spelling(text))
    if whole is not None:
        return (Part("word", text, whole.ident, whole.kind),)
    parts: list[Part] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in _SEPARATORS:
            if parts and parts[-1].kind != "gap":
                parts.append(Part("gap", char))
            i += 1
            continue
        if char in _JOINERS:
            if not parts or parts[-1].kind == "joiner":
                return None
            if parts[-1].kind == "gap":
                parts.pop()
            parts.append(Part("joiner", _JOINERS[char]))
            i += 1
            continue
        found = _word_at(text, i, sources) or _amount_at(text, i, sources) or _letter_at(text, i, sources)
        if found is None:
            return None
        part, i = found
        previous = next((p for p in reversed(parts) if p.kind != "gap"), None)
        if part.kind == "word" and parts and parts[-1].kind == "word" and parts[-1].word_kind == part.word_kind:
            return None  # '黑白', '白金': two colours written together often name a third
        if part.kind == "word" and any(p.kind == "word" and p.ident == part.ident for p in parts):
            continue  # 'Pink 粉色': the same colour in two languages, said once
        if previous is not None and previous.kind in ("number", "letter") and part.kind in ("number", "letter"):
            return None  # '2 4', 'S M': codes, not a value made of parts
        parts.append(part)
    while parts and parts[-1].kind in ("gap", "joiner"):
        if parts[-1].kind == "joiner":
            return None
        parts.pop()
    if all(p.kind in ("number", "gap") or p.kind == "letter" and p.text == p.ident for p in parts):
        return None  # letter sizes and numbers as they are: nothing to translate, they stay as written
    return tuple(parts)


def _word_at(text: str, i: int, sources: OptionSources) -> tuple[Part, int] | None:
    """The longest colour or size spelling starting at i (a Latin one on word boundaries)."""
    if i > 0 and _latin(text[i - 1]) and _latin(text[i]) or fold_spelling(text[i]) not in _first_characters():
        return None
    for end in range(min(len(text), i + _longest_word()), i, -1):
        piece = text[i:end]
        if _latin(piece[-1]) and end < len(text) and _latin(text[end]):
            continue
        word = sources.words.get(fold_spelling(piece))
        if word is not None and piece.strip() == piece:
            return Part("word", piece, word.ident, word.kind), end
    return None


def _amount_at(text: str, i: int, sources: OptionSources) -> tuple[Part, int] | None:
    """A number or range with the counter word or unit after it ('21寸', '3-4岁', '40cm'), or a bare number."""
    match = _NUMBER.match(text, i)
    if match is None or (i > 0 and text[i - 1].isdigit()):
        return None
    low, high = Decimal(match.group(1)), Decimal(match.group(2)) if match.group(2) else None
    start = match.end()
    for end in range(min(len(text), start + _longest_unit()), start, -1):
        piece = text[start:end]
        if _latin(piece[-1]) and end < len(text) and _latin(text[end]):
            continue
        spelling = fold_spelling(piece)
        counter = sources.counters.get(spelling)
        if counter is not None and piece.strip() == piece:
            return Part("counter", text[i:end], counter.ident, low=low, high=high, format=counter.format), end
        symbol = sources.measures.get(spelling)
        if symbol is not None and high is None and piece.strip() == piece:
            return Part("measure", text[i:end], symbol, low=low), end
    if high is None and (start == len(text) or text[start - 1] == " " or text[start] in _SEPARATORS
                         or text[start] in _JOINERS or text[start] == "("):
        end = match.end(1)
        return Part("number", text[i:end], low=low), end
    return None


def _letter_at(text: str, i: int, sources: OptionSources) -> tuple[Part, int] | None:
    """A letter size ('XL', '2XL'), with a 码 or 号 after it that adds nothing ('XL码')."""
    match = _LETTER_SIZE.match(text, i)
    if match is None:
        return None
    end = match.end()
    for suffix in sources.size_suffixes:
        if text.startswith(suffix, end):
            end += len(suffix)
            break
    return Part("letter", text[i:end], match.group().upper()), end


def _latin(char: str) -> bool:
    return char.isascii() and char.isalpha()


@cache
def _first_characters() -> frozenset[str]:
    return frozenset(spelling[:1] for spelling in option_sources().words)


@cache
def _longest_word() -> int:
    return max(len(spelling) for spelling in option_sources().words)


@cache
def _longest_unit() -> int:
    sources = option_sources()
    return max(len(spelling) for spelling in [*sources.counters, *sources.measures])


# rendering ------------------------------------------------------------------------------------
def render_option(value: str, market: Market, glossary: Glossary | None = None) -> Rendering | None:
    """An option value in the market's language: the glossary's keep or term for the whole value, else every part
    from the glossary or the phrase bank ('template'); None when a part cannot be translated, or when there is
    nothing to translate (a letter size, a bare number: they stay as written)."""
    text = value.strip()
    read = read_option(text)
    if glossary is not None and glossary.entries:
        if glossary.entries.get(("keep", fold(text))) is not None:
            return Rendering(value, text, "glossary")
        entry = glossary.entries.get(("term", fold(text)))
        target = entry.target(market.lang_tag) if entry is not None else None
        if target and read is not None:  # the seller's word for the whole value ('28码' → 'W28')
            kind = read.parts[0].word_kind if len(read.parts) == 1 and not read.inner else ""
            return Rendering(value, _capitalised(target, market.language, kind), "glossary")
    if read is None:
        return None
    bank = phrasebank(market.lang_tag)
    shown = _render(read.parts, bank, market, glossary)
    if shown is None:
        return None
    rendered, provenance = shown
    if read.inner:
        inner = _render(read.inner, bank, market, glossary)
        if inner is None:
            return None
        if inner[0] == rendered:  # 'White（白色）': the catalog's own gloss, said once
            return Rendering(value, rendered[:1].upper() + rendered[1:], weakest([provenance, inner[1]]))
        wrapped = bank.fmt("parenthesis", text=rendered, inner=inner[0])
        if wrapped is None:
            return None
        rendered, provenance = wrapped, weakest([provenance, inner[1]])
    # a value is a name, as the phrase bank writes colours: 'Für 2 Personen', 'Serves 2'
    return Rendering(value, rendered[:1].upper() + rendered[1:], provenance)


def _render(parts: tuple[Part, ...], bank: PhraseBank, market: Market,
            glossary: Glossary | None) -> tuple[str, str] | None:
    gap = bank.format.get("option_parts")
    if gap is None:
        return None
    out: list[str] = []
    provenance = "template"
    for part in parts:
        if part.kind == "gap":
            continue
        if part.kind == "joiner":
            out.append(part.text)
            continue
        shown = _part(part, bank, market, glossary)
        if shown is None:
            return None
        if shown[1] == "glossary":
            provenance = "glossary"
        if out and out[-1] not in _JOINERS.values():
            out.append(gap)
        out.append(shown[0])
    return "".join(out), provenance


def _part(part: Part, bank: PhraseBank, market: Market, glossary: Glossary | None) -> tuple[str, str] | None:
    if part.kind == "letter":
        return part.ident, "template"
    if part.kind == "number":
        return part.text, "template"
    if part.kind == "word":
        term = _glossary_term(part, market, glossary)
        if term is not None:
            return _capitalised(term, market.language, part.word_kind), "glossary"
        name = bank.name(part.word_kind, part.ident)
        return (name, "template") if name else None
    if part.low is None:
        return None
    amount = number(part.low, market)
    if part.kind == "measure":
        shown = bank.fmt("measure", amount=amount, unit=part.ident)
        return (shown, "template") if shown else None
    if part.high is not None:
        amount = bank.fmt("range", low=amount, high=number(part.high, market)) or ""
        if not amount:
            return None
    if part.format:
        shown = bank.fmt(part.format, count=amount)
        return (shown, "template") if shown else None
    pattern = bank.counters.get(part.ident)
    if isinstance(pattern, dict):
        pattern = pattern.get(_plural(part.high if part.high is not None else part.low, market.locale),
                              pattern.get("other"))
    return (pattern.format(n=amount), "template") if pattern else None


def _glossary_term(part: Part, market: Market, glossary: Glossary | None) -> str | None:
    """The glossary's target for a word: its own spelling's term ('White'), else one of its Chinese spellings'
    (an English 'White' takes the term of 白色), so a glossary entry serves both."""
    if glossary is None or not glossary.entries:
        return None
    word = option_sources().words[fold_spelling(part.text)]
    for spelling in (part.text, *word.zh):
        entry = glossary.entries.get(("term", fold(spelling)))
        if entry is not None:
            target = entry.target(market.lang_tag)
            if target:
                return target
    return None


def _capitalised(text: str, language: str, kind: str) -> str:
    """A glossary target written as an option value, capitalised as the phrase bank writes names: 'blanco' →
    'Blanco', 'one size' → 'One size'; English colours in Title Case, 'navy blue' → 'Navy Blue'."""
    words = text.split(" ") if language == "en" and kind == "colors" else [text]
    return " ".join(w[:1].upper() + w[1:] for w in words)


@lru_cache(maxsize=64)
def _locale(locale: str) -> Locale:
    return Locale.parse(locale)


def _plural(value: Decimal, locale: str) -> str:
    """The CLDR plural category of a number in a locale ('one', 'other' …)."""
    return _locale(locale).plural_form(value)
