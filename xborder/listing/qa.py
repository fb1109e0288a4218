"""QA checks run on every listing field, whichever engine wrote it. Each check is a named
function returning Findings with a message that says what to change."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

import babel

from xborder import data
from xborder.catalog.cells import INVISIBLE, invisible_names
from xborder.claims import SOURCE_LANGUAGE, claim_rules
from xborder.files import CONTROL_CHARACTERS
from xborder.markets import Market
from xborder.engines.engine import has_cjk
from xborder.findings import Finding

@lru_cache(maxsize=4096)
def _phrase_pattern(needle: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w])" + re.escape(needle) + r"(?![\w])")


def _contains_folded(hay: str, needle: str) -> bool:
    """Case-folded needle in case-folded text: on word boundaries for Latin script, anywhere for CJK/Thai."""
    if not needle:
        return False
    if needle[0].isascii() and needle[-1].isascii():
        return _phrase_pattern(needle).search(hay) is not None
    return needle in hay


@lru_cache(maxsize=256)
def _any_phrase(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern that matches wherever any of the phrases might: most fields contain none, and one search
    is much cheaper than one per phrase. A hit is confirmed phrase by phrase."""
    needles = [p.casefold() for p in phrases if p]
    if not needles:
        return None
    return re.compile("|".join(re.escape(n) for n in sorted(set(needles), key=len, reverse=True)))


def check_length(field: str, text: str, limit: int, shortened_from: int | None = None) -> list[Finding]:
    """A field longer than the market allows (limit 0 = none)."""
    out = []
    if shortened_from is not None:
        out.append(Finding("shortened", "warning", f"shortened from {shortened_from} to {len(text)} characters "
                                                   f"to fit {limit}; check the end still reads well", field))
    if limit and len(text) > limit:
        out.append(Finding("too-long", "error", f"{len(text)} characters; the limit is {limit}", field))
    return out


def check_min_length(field: str, text: str, minimum: int) -> list[Finding]:
    if minimum and len(text) < minimum:
        return [Finding("too-short", "error", f"{len(text)} characters; the market needs at least {minimum}", field)]
    return []


def check_bytes(field: str, text: str, limit: int) -> list[Finding]:
    """Backend keywords are limited in UTF-8 bytes, not characters."""
    size = len(text.encode("utf-8"))
    if limit and size > limit:
        return [Finding("too-many-bytes", "error", f"{size} bytes; the limit is {limit} bytes", field)]
    return []


def check_banned_characters(field: str, text: str, banned: str) -> list[Finding]:
    """Characters the market rejects in this field (Amazon titles: ! $ ? _ { } ^ ¬ ¦ …)."""
    found = sorted(set(text).intersection(banned)) if banned else []
    if found:
        return [Finding("banned-character", "error", f"remove {' '.join(found)}: not allowed here", field)]
    return []


def remove_characters(field: str, text: str, banned: str) -> tuple[str, list[Finding]]:
    """The text without characters the market rejects (and emoji), and a finding saying what went."""
    gone = sorted(set(text).intersection(banned) | _emoji_in(text)) if banned or _MAYBE_EMOJI.search(text) else []
    if not gone:
        return text, []
    cleaned = " ".join("".join(" " if ch in gone else ch for ch in text).split())
    return cleaned, [Finding("removed-characters", "warning",
                             f"removed {' '.join(gone)}: not allowed here; check the text still reads well", field)]


# emoji are symbols (So) from U+2600 up; the ideographs and Hangul syllables between are letters, not candidates
_MAYBE_EMOJI = re.compile("[\u2600-\u33ff\u4dc0-\u4dff\ua000-\uabff\ud7b0-\U0010ffff]")


def _is_emoji(ch: str) -> bool:
    return unicodedata.category(ch) == "So" and ord(ch) >= 0x2600


def _emoji_in(text: str) -> set[str]:
    return {ch for ch in set(_MAYBE_EMOJI.findall(text)) if _is_emoji(ch)}


def check_emoji(field: str, text: str) -> list[Finding]:
    found = sorted(_emoji_in(text))
    if found:
        return [Finding("emoji", "error", f"remove the symbols {' '.join(found)}", field)]
    return []


def check_banned_phrases(field: str, text: str, phrases: Sequence[str], kind: str = "banned-phrase") -> list[Finding]:
    """Promotional wording the market rejects ('free shipping', 'best seller')."""
    quick = _any_phrase(tuple(phrases))
    hay = text.casefold()
    if quick is None or not quick.search(hay):
        return []
    return [Finding(kind, "error", f"'{p}' is not allowed in listings on this market; reword it", field, p)
            for p in phrases if _contains_folded(hay, p.casefold())]


def check_claims(field: str, text: str, market: Market, held: frozenset[str] = frozenset()) -> list[Finding]:
    """Medical, antimicrobial, safety, absolute, environmental and organic claims in a field's text, in the market's
    language(s), with their severity on this market (xborder/data/claims.toml); `held`: the product's certificate
    kinds ('organic' lifts the organic group)."""
    rules = claim_rules()
    return rules.check(field, text, market.key, market.platform, rules.languages_for(market.key, market.language),
                       held)


def check_handle_claims(handle: str, market: Market) -> list[Finding]:
    """The claims a URL handle's words make, in the market's languages: a handle is public text too."""
    return check_claims("handle", handle.replace("-", " "), market)


def check_source_claims(field: str, source: str, market: Market, held: frozenset[str] = frozenset()) -> list[Finding]:
    """The same claims in the catalog's Chinese text a field renders: a faithful translation would carry them."""
    return claim_rules().check(field, source, market.key, market.platform, (SOURCE_LANGUAGE,), held, in_source=True)


def check_word_repeats(field: str, text: str, most: int) -> list[Finding]:
    """A word at most `most` times in a title (articles and prepositions excepted)."""
    if not most:
        return []
    small = {"a", "an", "the", "and", "or", "of", "for", "with", "in", "on", "to", "by", "de", "la", "le", "et",
             "und", "mit", "für", "der", "die", "das", "y", "con", "para", "el", "e", "per", "di"}
    counts: dict[str, int] = {}
    for word in re.findall(r"[^\W\d_]{2,}", text.casefold()):
        if word not in small:
            counts[word] = counts.get(word, 0) + 1
    over = sorted(w for w, n in counts.items() if n > most)
    if over:
        return [Finding("word-repeated", "warning", f"{', '.join(over)} used more than {most} times", field)]
    return []


def check_all_caps(field: str, text: str) -> list[Finding]:
    letters = [ch for ch in text if ch.isalpha() and ch.isascii()]
    if len(letters) >= 12 and all(ch.isupper() for ch in letters):
        return [Finding("all-caps", "warning", "written all in capitals; use normal capitalisation", field)]
    return []


_HAN_LANGUAGES = {"zh", "ja"}  # written with Han characters: their presence proves nothing


def check_source_language(field: str, text: str, market: Market, pending: bool) -> list[Finding]:
    """Text still in Chinese: a pending field, or Chinese characters in a language not written with them."""
    if pending or (market.language not in _HAN_LANGUAGES and has_cjk(text)):
        return [Finding("untranslated", "error", "still in the catalog's language: translate it in pending.xlf "
                                                 "or correct it in listings.xlsx", field)]
    return []


def check_draft(field: str, draft: bool) -> list[Finding]:
    """A field joined from glossary terms in Chinese word order, in a language that orders them otherwise."""
    if draft:
        return [Finding("draft", "warning", "joined from glossary terms in the catalog's word order: review it "
                                            "(correct it in listings.xlsx, or translate it in pending.xlf)", field)]
    return []


def _numbers(text: str) -> set[str]:
    """Figures in text, thousands separators removed and decimal commas read: {'1000', '0.45'}."""
    out = set()
    for raw in re.findall(r"\d[\d.,]*\d|\d", text.replace("\u202f", "").replace("\xa0", "").replace("'", "")):
        value = re.sub(r"[.,]", "", raw) if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw) else raw.replace(",", ".")
        out.add(value.rstrip("0").rstrip(".") if "." in value else value)
    return out


# Chinese market units a listing must convert (斤 → kg, 两 → g): the converted figure counts as the same
_CONVERTED = {"斤": Decimal("0.5"), "两": Decimal(50)}


def check_numbers(field: str, source: str, text: str) -> list[Finding]:
    """Every figure of the source (600V, 105cm, 3 months, 2斤 as 1 kg) appears in the translation."""
    found = _numbers(text)
    missing = []
    for figure in sorted(_numbers(source)):
        accepted = {figure}
        for unit, factor in _CONVERTED.items():
            if re.search(re.escape(figure) + r"\s*" + unit, source):
                accepted |= _numbers(format(Decimal(figure) * factor, "f"))
        if not accepted & found:
            missing.append(figure)
    if missing:
        return [Finding("number-mismatch", "warning", f"the source has {', '.join(missing)} but the translation "
                                                       "does not; check figures and units", field)]
    return []


# --- markup, links, invisible characters and language: listing text is plain words for a buyer ------------------------

@lru_cache(maxsize=1)
def _text_rules() -> dict[str, Any]:
    return data.load("listing_text.toml")


@lru_cache(maxsize=1)
def _markup_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    rules = _text_rules()["markup"]
    dropped = "|".join(map(re.escape, rules["drop_with_content"]))
    with_content = re.compile(rf"<\s*({dropped})\b[^>]*>.*?(?:<\s*/\s*\1\s*>|$)", re.IGNORECASE | re.DOTALL)
    comment = re.compile(r"<!--.*?(?:-->|$)|<!\[CDATA\[.*?(?:\]\]>|$)|<![^>]*>|<\?[^>]*>", re.DOTALL)
    tag = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9:-]*)\b[^<>]*>?")
    entity = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
    return with_content, comment, tag, entity


def _plain(text: str, multiline: bool) -> tuple[str, list[str]]:
    """Text without any markup (entities decoded first, so '&lt;script&gt;' is markup too), and the tags removed."""
    with_content, comment, tag, entity = _markup_patterns()
    line_tags = set(_text_rules()["markup"]["line_tags"])
    removed: list[str] = []
    for _ in range(3):  # '&amp;lt;script&amp;gt;' decodes twice
        if "&" in text and entity.search(text):
            text = html.unescape(text)
        if "<" not in text:
            break
        for match in with_content.finditer(text):
            removed.append(match.group(1).lower())
        text = with_content.sub(" ", text)
        if comment.search(text):
            removed.append("!--")
            text = comment.sub(" ", text)

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).lower()
            removed.append(name)
            return "\n" if multiline and name in line_tags else " "

        text = tag.sub(replace, text)
    if removed:
        lines = (" ".join(line.split()) for line in text.split("\n"))
        text = "\n".join(line for line in lines if line) if multiline else " ".join(text.split())
    return text, removed


class _Structure(HTMLParser):
    """An HTML description rebuilt from its structure tags (no attributes) and its text, cleaned as plain text."""

    def __init__(self, keep: set[str]):
        super().__init__(convert_charrefs=True)
        self.keep = keep
        self.out: list[str] = []
        self.removed: list[str] = []
        self.dropped = set(_text_rules()["markup"]["drop_with_content"])
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.dropped:
            self.skipping += 1
            self.removed.append(tag)
        elif tag in self.keep and not self.skipping:
            self.out.append(f"<{tag}>")
            if attrs:
                self.removed.append(f"{tag} attributes")
        else:
            self.removed.append(tag)

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag in self.dropped:
            self.skipping -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.dropped:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.keep and not self.skipping and tag != "br":
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        text, removed = _plain(data, multiline=False)
        self.removed += removed
        self.out.append(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))

    def handle_comment(self, data: str) -> None:
        self.removed.append("!--")

    def handle_decl(self, decl: str) -> None:
        self.removed.append("!")

    def handle_pi(self, data: str) -> None:
        self.removed.append("?")


def remove_markup(field: str, text: str, html_tags: Sequence[str] = ()) -> tuple[str, list[Finding]]:
    """Listing text without HTML or other markup, whoever wrote it: tags are removed (script, style and the like with
    their content, entities decoded first); in a description the market takes as HTML (`html_tags`: the market's
    allowed tags), its structure tags are kept without attributes and its text escaped. Also removes invisible
    characters (bidi controls, zero-width spaces). A warning names what went."""
    found: list[Finding] = []
    invisible = invisible_names(text)
    if invisible:
        text = INVISIBLE.sub("", CONTROL_CHARACTERS.sub("", text))
        found.append(Finding("invisible-characters", "warning",
                             f"removed invisible characters ({', '.join(invisible[:4])}); check the text", field))
    if "<" not in text and "&" not in text:
        return text, found
    keep = set(html_tags) & set(_text_rules()["markup"]["structure_tags"])
    if keep:
        parser = _Structure(keep)
        parser.feed(text)
        parser.close()
        cleaned, removed = "".join(parser.out), parser.removed
    else:
        cleaned, removed = _plain(text, multiline=field == "description")
    if removed:
        names = ", ".join(f"<{name}>" for name in dict.fromkeys(removed))
        found.append(Finding("markup-removed", "warning", f"removed HTML or markup ({names[:120]}): listing text is "
                                                          "plain words here; check it still reads well", field))
        return cleaned, found
    return text, found


@lru_cache(maxsize=1)
def _link_pattern() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in _text_rules()["links"]["patterns"]), re.IGNORECASE)


def check_links(field: str, text: str, market: Market) -> list[Finding]:
    """A web address in listing text, where the market allows none (rules.links_allowed): the listing is held for a
    person to reword, not cut silently."""
    if market.rules.links_allowed:
        return []
    found = sorted(set(m.group(0)[:60] for m in _link_pattern().finditer(text)))
    if found:
        return [Finding("link", "error", f"remove the web address {', '.join(found[:3])}: {market.name} does not allow "
                                         "links in listing text", field, found[0])]
    return []


_WORD = re.compile(r"[^\W\d_]+")


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if name.startswith("CJK") or name.startswith("KANGXI"):
        return "Han"
    return name.split(" ", 1)[0].title() if name else ""


def detect_language(text: str) -> tuple[str, dict[str, int], int] | None:
    """The Latin-script language whose function words a text uses most, with each language's count and the number
    of words, when it has enough words to tell (xborder/data/listing_text.toml [language]); None for a short text."""
    rules = _text_rules()["language"]
    words = [w.casefold() for w in _WORD.findall(text) if w.isascii() or _script(w[0]) == "Latin"]
    if len(words) < rules["min_words"]:
        return None
    counts = {lang: sum(1 for w in words if w in stop) for lang, stop in _stopwords().items()}
    distinct = {lang: len(stop.intersection(words)) for lang, stop in _stopwords().items()}
    best = max(counts, key=lambda lang: (counts[lang], distinct[lang]))
    return best, {lang: counts[lang] if distinct[lang] >= rules["min_distinct"] else 0 for lang in counts}, len(words)


@lru_cache(maxsize=1)
def _stopwords() -> dict[str, frozenset[str]]:
    return {lang: frozenset(words) for lang, words in _text_rules()["language"]["stopwords"].items()}


def check_language(field: str, text: str, market: Market) -> list[Finding]:
    """Text in another language than the market's: a model that answered in German for Amazon US. Latin-script
    languages by their common words, others by their script; silent on short text and on languages it has no
    words for. An error: the listing is held (a model's reply is rejected)."""
    rules = _text_rules()["language"]
    language = market.language
    letters = [ch for ch in text if ch.isalpha()]
    scripts = rules["scripts"].get(language)
    if scripts is not None:
        if len(letters) >= rules["min_words"] * 3:
            share = sum(1 for ch in letters if _script(ch) in scripts["scripts"]) / len(letters)
            if share < scripts["share"]:
                return [_wrong_language(field, market, "")]
        return []
    if language not in _stopwords():
        return []
    if len(letters) >= rules["min_words"] * 3:
        # Cyrillic, Thai, Hangul …: not a Latin-script language's text (Chinese is the untranslated check's)
        other = sum(1 for ch in letters if _script(ch) not in ("Latin", "Han", ""))
        if other / len(letters) > 0.5:
            return [_wrong_language(field, market, "")]
    detected = detect_language(text)
    if detected is None:
        return []
    best, counts, words = detected
    own = counts.get(language, 0)
    if best != language and counts[best] >= rules["min_hits"] and counts[best] > rules["ratio"] * own \
            and counts[best] >= rules["min_share"] * words:
        return [_wrong_language(field, market, best)]
    return []


def _wrong_language(field: str, market: Market, found: str) -> Finding:
    names = babel.Locale("en").languages
    wanted = names.get(market.language, market.language)
    seen = f"in {names.get(found, found)}, " if found else ""
    return Finding("wrong-language", "error",
                   f"written {seen}not in {wanted}: write it in {wanted} ({market.lang_tag})", field)
