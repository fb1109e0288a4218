"""Compliance lint for spoken lines, per market: medical and wellness claims, absolute superlatives, guarantees,
fake urgency and scarcity, the listing claims of claims.toml, forbidden glossary terms, and any amount of money that is
not one of the listing's prices. Findings have the listing QA's shape and severities (error, warning)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from xborder.claims import claim_rules
from xborder.markets import Market
from xborder.scripts.phrases import LintRules, lint_rules
from xborder.findings import Finding
from xborder.language.glossary import GlossaryEntry, check_forbidden_terms

_MESSAGES = {
    "medical": "a medical or wellness claim: products that are not medicines may not claim to treat, cure or "
               "prevent anything; say what the product does, not what it heals",
    "superlative": "an absolute superlative nobody can prove on air; say the fact behind it instead",
    "guarantee": "a guarantee or promise: say it only with its terms, as the product page states them",
    "urgency": "a deadline or urgency the listing does not show: fake urgency misleads buyers and is banned in "
               "many markets; leave it out unless the offer really ends then",
    "scarcity": "a stock claim xborder cannot verify: say it only if the shop's stock really shows it",
}
_NUMBER = r"\d(?:[\d.,\u00a0\u202f']*\d)?"


def _unspaced(ch: str) -> bool:
    """Thai, CJK and full-width characters: scripts written without spaces between words."""
    return "\u0e00" <= ch <= "\u0e7f" or "\u3000" <= ch <= "\u9fff" or "\uf900" <= ch <= "\uffef"


def _is_word(ch: str) -> bool:
    return (ch.isalnum() or ch == "_") and not _unspaced(ch)


def contains_phrase(text: str, phrase: str) -> bool:
    """Case-folded phrase in text: on word boundaries where the phrase starts or ends with a letter or digit of a
    spaced script, anywhere for CJK and Thai."""
    hay, needle = text.casefold(), phrase.casefold()
    if not needle:
        return False
    start = 0
    while (at := hay.find(needle, start)) >= 0:
        end = at + len(needle)
        before = not (_is_word(needle[0]) and at > 0 and _is_word(hay[at - 1]))
        after = not (_is_word(needle[-1]) and end < len(hay) and _is_word(hay[end]))
        if before and after:
            return True
        start = at + 1
    return False


@lru_cache(maxsize=64)
def _money_pattern(markers: tuple[str, ...]) -> re.Pattern[str]:
    """Amounts written next to a currency sign, code or word ('$12.99', '20,99 €', '￥980', '150.000 ₫')."""
    parts = []
    for marker in sorted(markers, key=len, reverse=True):
        escaped = re.escape(marker)
        if marker[0].isalpha():
            escaped = r"(?<![^\W\d_])" + escaped
        if marker[-1].isalpha():
            escaped += r"(?![^\W\d_])"
        parts.append(escaped)
    sign = "(?:" + "|".join(parts) + ")"
    return re.compile(rf"{sign}[ \u00a0\u202f]?(?P<a>{_NUMBER})|(?P<b>{_NUMBER})[ \u00a0\u202f]?{sign}")


def read_amount(text: str) -> Decimal | None:
    """'1,299.99', '1.299,99', '1 299,99', '￥1,980' → the number: the last separator is the decimal one when one or
    two digits follow it."""
    raw = re.sub(r"[\u00a0\u202f' ]", "", text)
    separators = [i for i, ch in enumerate(raw) if ch in ".,"]
    if separators:
        last = separators[-1]
        decimals = len(raw) - last - 1
        if 1 <= decimals <= 2:
            raw = re.sub(r"[.,]", "", raw[:last]) + "." + raw[last + 1:]
        else:
            raw = re.sub(r"[.,]", "", raw)
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def amounts(text: str, markers: tuple[str, ...]) -> list[tuple[str, Decimal]]:
    """(as written, value) for every amount of money in text."""
    found = []
    for match in _money_pattern(markers).finditer(text):
        number = match.group("a") or match.group("b")
        value = read_amount(number)
        if value is not None:
            found.append((match.group(0).strip(), value))
    return found


def lint_lines(lines: Iterable[tuple[str, str]], market: Market, lang_tag: str, prices: Iterable[Decimal],
               listing_price: str, forbidden: list[GlossaryEntry] | None = None,
               held: frozenset[str] = frozenset()) -> list[Finding]:
    """Findings for (segment kind, spoken line) pairs: each phrase once per segment, with its severity. `held`: the
    product's certificate kinds (claims.toml), which lift the claims they allow."""
    rules: LintRules = lint_rules(lang_tag)
    allowed = {Decimal(p) for p in prices}
    claims = claim_rules()
    languages = claims.languages_for(market.key, lang_tag.split("-")[0])
    out: list[Finding] = []
    seen: set[tuple[str, str, str]] = set()

    def add(finding: Finding) -> None:
        key = (finding.check, finding.field, finding.term)
        if key not in seen:
            seen.add(key)
            out.append(finding)

    for kind, text in lines:
        for category, phrases in rules.phrases.items():
            severity = rules.severity.get(category, "warning")
            for phrase in phrases:
                if contains_phrase(text, phrase):
                    add(Finding(f"script-{category}", severity, f"'{phrase}': {_MESSAGES.get(category, category)}",
                                kind, phrase))
            for pattern in rules.patterns.get(category, ()):
                for match in pattern.finditer(text):
                    add(Finding(f"script-{category}", severity,
                                f"'{match.group(0)}': {_MESSAGES.get(category, category)}", kind, match.group(0)))
        for finding in claims.check(kind, text, market.key, market.platform, languages, held):
            add(finding)
        for written, value in amounts(text, rules.currency_markers):
            if value not in allowed:
                add(Finding("script-price", "error", f"says {written}, but the listing's price on {market.key} is "
                                                     f"{listing_price}: say only the listing's prices", kind, written))
        if forbidden:
            for finding in check_forbidden_terms(forbidden, text, lang_tag, kind):
                add(finding)
    return out
