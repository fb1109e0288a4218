"""Claims a listing must not make: medical and health-benefit, antimicrobial, safety, natural, absolute, price,
guarantee, scarcity, environmental, organic and food-contact wording, in the catalog's Chinese and in every listing
language, with a severity per market or platform (xborder/data/claims.toml). Organic and food-contact wording is a
claim only for a product without the matching certificate or declaration."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from typing import Any

from xborder import data
from xborder.findings import Finding

SOURCE_LANGUAGE = "zh"
SEVERITIES = ("error", "warning", "off")
UNSPACED = {"zh", "ja", "th"}  # written without spaces between words: forms match anywhere
_NEAR_WORDS = 3  # a verb's object within this many words (spaced scripts)
_NEAR_CHARACTERS = 6  # … or characters of one phrase (unspaced scripts)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class ClaimForms:
    """One group's wording in one language (see the head of claims.toml)."""

    words: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()  # regular expressions, for what a list cannot hold ('only 3 left', 仅剩3件)


@dataclass(frozen=True)
class ClaimHit:
    """A claim found in a text: the text as written and where."""

    group: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ClaimGroup:
    name: str
    message: str
    severity: tuple[tuple[str, str], ...]  # (market key | platform | "source" | "default", severity)
    languages: tuple[tuple[str, ClaimForms], ...]
    certificate: str = ""  # a product holding this certificate kind may make the claim
    sources: tuple[str, ...] = ()

    def forms(self, language: str) -> ClaimForms | None:
        return dict(self.languages).get(language)

    def severity_for(self, market_key: str, platform: str, in_source: bool) -> str:
        """The severity on one market: `source` for the catalog's text if set, else the market's key, its platform,
        then the default."""
        table = dict(self.severity)
        keys = (["source"] if in_source else []) + [market_key, platform, "default"]
        return next(table[k] for k in keys if k in table)

    @property
    def check(self) -> str:
        return f"claim-{self.name}"


class ClaimRules:
    """Every claim group, the certificate kinds that lift a group, and the extra languages markets are checked in."""

    def __init__(self, groups: list[ClaimGroup], certificates: dict[str, tuple[str, ...]],
                 also_checked: dict[str, tuple[str, ...]],
                 regional: dict[str, dict[str, tuple[str, ...]]] | None = None,
                 regions: dict[str, tuple[str, ...]] | None = None):
        self.groups = groups
        self.certificates = certificates
        self.also_checked = also_checked
        self._tokens = {_fold(t): kind for kind, tokens in certificates.items() for t in tokens}
        # a certificate that counts in one region only: 'USDA Organic' in the US, '有機JAS' in Japan
        self._regional: dict[str, set[tuple[str, str]]] = {}
        for kind, by_region in (regional or {}).items():
            for region, tokens in by_region.items():
                for token in tokens:
                    self._regional.setdefault(_fold(token), set()).add((kind, region))
        self._region_of = {country: region for region, countries in (regions or {}).items() for country in countries}

    def region(self, country: str) -> str:
        """The region whose rules a country follows for certificates ('DE' → 'EU'), else the country itself."""
        return self._region_of.get(country, country)

    def held(self, certifications: Iterable[str], country: str) -> frozenset[str]:
        """The certificate kinds ('organic') a product's certifications name that count in a market's country:
        'organic' anywhere (the seller's own word), 'USDA Organic' only in the US, '欧盟有机认证' only in the EU;
        China's '有机认证' nowhere xborder sells. A token may count in several regions ('1935/2004': the EU and the
        UK, which kept the regulation)."""
        region = self.region(country)
        kinds = set()
        for certification in certifications:
            folded = _fold(certification)
            if folded in self._tokens:
                kinds.add(self._tokens[folded])
            else:
                kinds.update(kind for kind, where in self._regional.get(folded, ()) if where == region)
        return frozenset(kinds)

    def languages_for(self, market_key: str, language: str) -> tuple[str, ...]:
        """The languages a market's listings are checked in: its own, those for every market, its own extras."""
        return tuple(dict.fromkeys((language, *self.also_checked.get("all", ()),
                                    *self.also_checked.get(market_key, ()))))

    def find(self, text: str, language: str) -> list[ClaimHit]:
        """Every claim in a text written in `language`, in order; a form inside an allowed phrase is not one."""
        if not text:
            return []
        return list(self._find(text, language))

    def find_in(self, text: str, languages: Iterable[str]) -> list[ClaimHit]:
        """Every claim in a text checked in several languages (a listing's own, then English), in that order. The
        first language's `allow` phrases hold for the others: English '100% natural' is not a claim in Spanish
        'madera 100% natural' (a composition), as Spanish says."""
        languages = tuple(languages)
        if not text or not languages:
            return []
        hits = list(self.find(text, languages[0]))
        allowed: dict[str, list[tuple[int, int]]] | None = None
        for language in languages[1:]:
            for hit in self.find(text, language):
                if allowed is None:
                    allowed = self._allowed(text, languages[0])
                if not any(a <= hit.start and hit.end <= b for a, b in allowed.get(hit.group, ())):
                    hits.append(hit)
        return hits

    @lru_cache(maxsize=4096)
    def _allowed(self, text: str, language: str) -> dict[str, list[tuple[int, int]]]:
        """Where each group's `allow` phrases of one language stand in a text (NFKC, as hits are)."""
        text = unicodedata.normalize("NFKC", text)
        out = {}
        for group in self.groups:
            forms = group.forms(language)
            if forms is not None and forms.allow:
                pattern = _patterns(group.name, language, forms).allow
                if pattern is not None:
                    out[group.name] = [m.span() for m in pattern.finditer(text)]
        return out

    @lru_cache(maxsize=16_384)  # the same catalog text is checked for every market, the same bullet in every field
    def _find(self, text: str, language: str) -> tuple[ClaimHit, ...]:
        text = unicodedata.normalize("NFKC", text)
        lower = text.lower()
        words = set() if language in UNSPACED else set(_WORD.findall(lower))
        patterned = _any_pattern(self, language)
        if not self._quick(language)(lower, words) and not (patterned and patterned.search(text)):
            return ()  # most text holds no form of any group: one cheap test
        hits: list[ClaimHit] = []
        for group in self.groups:
            forms = group.forms(language)
            if forms is None:
                continue
            quick = partial(self._quick, language, group.name)
            has_words = bool(forms.words) and quick(("words",))(lower, words)
            has_near = (bool(forms.verbs and forms.objects) and quick(("verbs",))(lower, words)
                        and quick(("objects",))(lower, words))
            if not (has_words or has_near or forms.patterns):
                continue
            patterns = _patterns(group.name, language, forms)
            searched = (((patterns.words,) if has_words else ())
                        + ((patterns.near, patterns.near_after) if has_near else ())
                        + ((patterns.patterns,) if forms.patterns else ()))
            allowed: list[tuple[int, int]] | None = None
            found: dict[tuple[int, int], ClaimHit] = {}
            for pattern in searched:  # verb first, then object first
                for match in pattern.finditer(text) if pattern else ():
                    start, end = match.span()
                    if pattern is patterns.near_after and any(a < end and start < b for a, b in found):
                        continue  # 'arthritis and prevents back pain': the verb already has its object
                    if allowed is None:
                        allowed = [m.span() for m in patterns.allow.finditer(text)] if patterns.allow else []
                    if start == end or (pattern is patterns.patterns
                                        and any(a < end and start < b for a, b in found)):
                        continue  # a pattern's hit over a listed form's: the claim is named once
                    if not any(a <= start and end <= b for a, b in allowed):
                        found.setdefault((start, end), ClaimHit(group.name, match.group(0), start, end))
            hits += found.values()
        return tuple(sorted(hits, key=lambda h: (h.start, h.group)))

    @lru_cache(maxsize=256)
    def _quick(self, language: str, group: str | None = None,
               kinds: tuple[str, ...] = ("words", "verbs")) -> Callable[[str, set[str]], bool]:
        """A cheap test that says where no form of the given kinds in a group (or in any, None) can occur in a
        lower-case text of one language: in spaced scripts every word of a form must be among the text's words,
        in unspaced ones each form is looked for as it is. Only text that passes is searched with the group's
        patterns. The test takes the lower-case text and the set of its words (empty in unspaced scripts)."""
        forms = [unicodedata.normalize("NFKC", f).lower() for g in self.groups if group in (None, g.name)
                 if (found := g.forms(language)) is not None for kind in kinds for f in getattr(found, kind) if f]
        if not forms:
            return lambda text, words: False
        if language in UNSPACED:
            return lambda text, words: any(form in text for form in forms)
        split = [_WORD.findall(form) for form in forms]
        if not all(split):  # a form of symbols only: no cheap test
            return lambda text, words: True
        by_first: dict[str, list[frozenset[str]]] = {}
        for form_words in split:  # every word of a form is a whole word of the text it is in
            by_first.setdefault(form_words[0], []).append(frozenset(form_words))
        return lambda text, words: any(needed <= words for first in by_first.keys() & words
                                       for needed in by_first[first])

    def check(self, field: str, text: str, market_key: str, platform: str, languages: Iterable[str],
              held: frozenset[str] = frozenset(), in_source: bool = False) -> list[Finding]:
        """Findings for the claims in one field's text (or, `in_source`, the catalog text it renders), each matched
        text once, with the group's severity on this market; a group the product holds the certificate for is
        not reported."""
        by_name = {g.name: g for g in self.groups}
        out, seen = [], set()
        for hit in self.find_in(text, languages):
            group = by_name[hit.group]
            severity = group.severity_for(market_key, platform, in_source)
            key = (group.name, hit.text.casefold())
            if severity == "off" or (group.certificate and group.certificate in held) or key in seen:
                continue
            seen.add(key)
            message = (f"the catalog text says '{hit.text}', which {group.message}; keep it out of the listing "
                       "and correct the catalog" if in_source else f"'{hit.text}' {group.message}")
            out.append(Finding(("source-" if in_source else "") + group.check, severity, message, field,
                               hit.text))
        return out

    def wording(self, language: str, held: frozenset[str] = frozenset()) -> dict[str, list[str]]:
        """What a writer must not say in a language, by group (for a model's brief): the words, and each verb with
        what makes it a claim."""
        out = {}
        for group in self.groups:
            forms = group.forms(language)
            if forms is None or (group.certificate and group.certificate in held):
                continue
            listed = list(forms.words)
            if forms.verbs:
                listed.append(f"{'/'.join(forms.verbs[:4])} + {'/'.join(forms.objects[:6])} …")
            out[group.name] = listed
        return out


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


@dataclass(frozen=True)
class _Patterns:
    words: re.Pattern[str] | None
    near: re.Pattern[str] | None  # a verb before one of its objects
    near_after: re.Pattern[str] | None  # an object before the verb ('Rückenschmerzen vorbeugen', '風邪を予防')
    allow: re.Pattern[str] | None
    patterns: re.Pattern[str] | None = None  # the group's regular expressions, as one


def _alternation(forms: Iterable[str], unspaced: bool) -> str:
    """Forms as one regular expression, longest first, with word boundaries where a form starts or ends with a
    letter or digit (in unspaced scripts only against Latin letters and digits)."""
    around = "[A-Za-z0-9]" if unspaced else r"[^\W_]"
    parts = []
    for form in sorted({unicodedata.normalize("NFKC", f) for f in forms if f}, key=len, reverse=True):
        part = re.escape(form)
        if re.match(around, form[0]):
            part = f"(?<!{around})" + part
        if re.match(around, form[-1]):
            part += f"(?!{around})"
        parts.append(part)
    return "|".join(parts)


@cache
def _patterns(group: str, language: str, forms: ClaimForms) -> _Patterns:
    unspaced = language in UNSPACED
    flags = re.IGNORECASE
    words = _alternation(forms.words, unspaced)
    near = near_after = ""
    if forms.verbs and forms.objects:
        verbs, objects = _alternation(forms.verbs, unspaced), _alternation(forms.objects, unspaced)
        if unspaced:  # within a few characters of one phrase: no punctuation or space between
            gap = rf"[^\s,.;:!?，。；：！？、]{{0,{_NEAR_CHARACTERS}}}?"
        else:  # up to three words between, none of them ending a sentence
            gap = rf"(?:\s+[^\s;:!?]*[^\s;:!?.,]){{0,{_NEAR_WORDS}}}?\s+"
        near, near_after = f"(?:{verbs}){gap}(?:{objects})", f"(?:{objects}){gap}(?:{verbs})"
    return _Patterns(re.compile(words, flags) if words else None,
                     re.compile(near, flags) if near else None,
                     re.compile(near_after, flags) if near_after else None,
                     re.compile(_alternation(forms.allow, unspaced), flags) if forms.allow else None,
                     _compile(forms.patterns))


def _compile(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """Regular expressions as one, matched case-insensitively against NFKC-normalised text (full-width digits and
    letters are plain ones by then: '仅剩３件' is '仅剩3件'); the patterns are normalised the same way (Thai ำ)."""
    listed = [f"(?:{unicodedata.normalize('NFKC', p)})" for p in patterns]
    return re.compile("|".join(listed), re.IGNORECASE) if listed else None


@lru_cache(maxsize=64)
def _any_pattern(rules: ClaimRules, language: str) -> re.Pattern[str] | None:
    """Every group's regular expressions in one language, for the cheap first test."""
    return _compile([p for g in rules.groups if (forms := g.forms(language)) is not None for p in forms.patterns])


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"claims.toml {where}: must be a list of non-empty strings")
    return tuple(value)


def read_claims(raw: dict[str, Any]) -> ClaimRules:
    """The claim rules of a parsed claims.toml; a malformed table raises ValueError saying where."""
    certificates = {kind: _strings(table.get("tokens"), f"[certificates.{kind}] tokens")
                    for kind, table in raw.get("certificates", {}).items()}
    regional = {kind: {region: _strings(tokens, f"[certificates.{kind}.regions] {region}")
                       for region, tokens in table.get("regions", {}).items()}
                for kind, table in raw.get("certificates", {}).items()}
    regions = {region: _strings(countries, f"[regions] {region}")
               for region, countries in raw.get("regions", {}).items()}
    groups = []
    for name, table in raw.get("groups", {}).items():
        severity = table.get("severity", {})
        if "default" not in severity or not all(v in SEVERITIES for v in severity.values()):
            raise ValueError(f"claims.toml [groups.{name}] severity: needs a default; each one of {SEVERITIES}")
        certificate = table.get("certificate", "")
        if certificate and certificate not in certificates:
            raise ValueError(f"claims.toml [groups.{name}] certificate '{certificate}' is not under [certificates]")
        kinds = ("words", "verbs", "objects", "allow", "patterns")
        languages = sorted({lang for kind in kinds for lang in table.get(kind, {})})
        forms = tuple((lang, ClaimForms(*(_strings(table[kind][lang], f"[groups.{name}.{kind}] {lang}")
                                          if lang in table.get(kind, {}) else () for kind in kinds)))
                      for lang in languages)
        for lang, language_forms in forms:
            for pattern in language_forms.patterns:
                try:
                    compiled = re.compile(pattern)
                except re.error as error:
                    raise ValueError(f"claims.toml [groups.{name}.patterns] {lang}: '{pattern}' is not a regular "
                                     f"expression ({error})") from None
                if compiled.match(""):
                    raise ValueError(f"claims.toml [groups.{name}.patterns] {lang}: '{pattern}' matches empty text")
        groups.append(ClaimGroup(name, str(table["message"]), tuple(severity.items()), forms, certificate,
                                 tuple(table.get("sources", ()))))
    also = {key: _strings(langs, f"[also_checked] {key}") for key, langs in raw.get("also_checked", {}).items()}
    return ClaimRules(groups, certificates, also, regional, regions)


@cache
def claim_rules() -> ClaimRules:
    """The bundled claim rules (xborder/data/claims.toml)."""
    return read_claims(data.load("claims.toml"))
