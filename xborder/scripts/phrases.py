"""The script phrase bank (data/script_phrases.toml): beats per segment, calls to action, speaking rates, lint."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from xborder import data
from xborder.errors import XborderError

SEGMENT_KINDS = ("hook", "story", "demo", "specs", "proof", "social_proof", "safety", "offer", "cta", "faq", "recap",
                 "disclaimer")
# the beats every product's script has (a 单品脚本): the first offered line of each is always said
REQUIRED = ("hook", "demo", "proof", "offer", "cta")
WHEN = ("description", "category", "origin", "colors", "sizes", "cn_sizes", "material", "electrical", "food",
        "capacity", "power", "certs", "figure", "voltage_mismatch", "plug_mismatch", "food_contact", "age", "scene",
        "demo_use", "voltage")
EACH = ("first_point", "more_points", "specs", "other_prices", "figures")
_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|\d{3}))?$")


class ScriptError(XborderError):
    """A script cannot be written as asked (unknown language, a duration of 0, no products, no market)."""


@dataclass(frozen=True)
class BeatTemplate:
    """One beat of a segment as the phrase bank gives it: a spoken line and, kept apart, a stage direction."""

    say: tuple[str, ...]  # the variants of the line: a session says a different one for each product
    do: str = ""
    priority: int = 5
    when: str = ""
    each: str = ""
    lead: int = 1
    then: int | None = None
    repeat: int = 1
    hold: float | None = None  # seconds the stage direction takes; None: the standard pause


@dataclass(frozen=True)
class ScriptPhrases:
    """The phrases for one language tag; a locale ('en-GB') inherits what it does not override."""

    tag: str
    order: tuple[str, ...]
    titles: dict[str, str]
    beats: dict[str, tuple[BeatTemplate, ...]]
    polite: str
    tax_included: str
    tax_excluded: str
    own_store_cta: str
    shop_cta: str
    show: dict[str, str]
    angles: dict[str, dict[str, Any]] = field(default_factory=dict)  # noun, hooks and demo use per product angle
    cta_variants: dict[str, tuple[str, ...]] = field(default_factory=dict)  # 'live' / 'shop' / 'own_store' lines
    cue: dict[str, str] = field(default_factory=dict)  # the host's bracketed cues: to_translate, claim, draft
    # further demonstration steps: stage directions only (the host shows the product; no stock line is said)
    demo_steps: tuple[str, ...] = ()

    def title(self, kind: str) -> str:
        return self.titles.get(kind, kind.replace("_", " ").capitalize())


@dataclass(frozen=True)
class SpeakingRate:
    """How fast a host speaks a language: words per minute where words are spaced, else characters."""

    language: str
    unit: str  # "words" | "characters"
    per_minute: int
    sources: tuple[str, ...] = ()
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.per_minute} {self.unit} per minute"


@dataclass(frozen=True)
class Platform:
    """How viewers buy on a platform during a live stream, and the call to action in its own words."""

    key: str
    name: str
    live: bool
    own_store: bool
    cta: dict[str, str]
    sources: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class LintRules:
    """Phrases and patterns the compliance lint flags in one language, by category, with each category's severity."""

    language: str
    phrases: dict[str, tuple[str, ...]]
    patterns: dict[str, tuple[re.Pattern[str], ...]]
    severity: dict[str, str]
    currency_markers: tuple[str, ...] = field(default=())


def normalize_tag(text: str) -> str:
    """'en_us' → 'en-US'; ScriptError for what is not a language tag."""
    match = _TAG.match(text.strip())
    if not match:
        raise ScriptError(f"--lang '{text}' is not a language tag such as en-US, de-DE or ja-JP")
    language, region = match.group(1).lower(), match.group(2)
    return f"{language}-{region.upper()}" if region else language


def script_languages() -> list[str]:
    """The language and locale tags the phrase bank has tables for."""
    raw = data.load("script_phrases.toml")
    languages = [key for key, table in raw.items() if isinstance(table, dict) and "order" in table]
    return languages + [key for key in raw if "-" in key and key.split("-")[0] in languages]


@cache
def register(tag: str, formality: str = "") -> tuple[tuple[str, str], ...]:
    """The phrase replacements that put a language's lines in the host's register ([scripts] formality: formal,
    casual), as script_phrases.toml [register.<language>.<formality>] lists them; none for "" or a register the
    phrase bank already writes in."""
    if not formality:
        return ()
    table = data.load("script_phrases.toml").get("register", {}).get(normalize_tag(tag).split("-")[0], {})
    return tuple((str(a), str(b)) for a, b in table.get(formality, {}).get("replace", ()))


def in_register(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    """A phrase bank's template in the host's register (see register)."""
    for old, new in pairs:
        text = text.replace(old, new)
    return text


@cache
def script_phrases(tag: str, host: str = "", formality: str = "") -> ScriptPhrases:
    """The phrases for a language tag, falling back from 'es-MX' to 'es'; ScriptError for a language without any.
    `host` (female, male, neutral: [scripts] host) picks the language's sentence particle (`host_polite`: Thai
    ค่ะ, ครับ or none); "" keeps the phrase bank's. `formality` ([scripts] formality) puts the spoken lines in
    the host's register (Japanese plain form, Spanish usted: see register); "" keeps the phrase bank's."""
    raw = data.load("script_phrases.toml")
    tag = normalize_tag(tag)
    language = tag.split("-")[0]
    if language not in script_languages():
        known = ", ".join(t for t in script_languages() if "-" not in t)
        raise ScriptError(f"unknown language '{tag}': live scripts are written in {known} (with a region, such as "
                          "en-US, de-DE, ja-JP, es-MX)")
    merged: dict[str, Any] = {}
    beats: dict[str, list[dict[str, Any]]] = {}
    rich = data.load("script_beats.toml")
    layers = [raw.get(language, {}), raw.get(tag, {}) if tag != language else {}]
    if language in rich:  # the 单品脚本 beats (hook, demo, proof, offer, cta with variants) replace the old ones
        layers.insert(1, {"beats_replace": True, **rich[language]})
    for layer in layers:
        for key, value in layer.items():
            if key == "beats_replace":
                beats.clear()
            elif key == "beats":
                beats.update(value)  # a locale's segment replaces the language's segment
            elif isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            else:
                merged[key] = value
    pairs = register(tag, formality)

    def said(value: Any) -> Any:  # a spoken template (or a list or table of them) in the host's register
        if isinstance(value, str):
            return in_register(value, pairs)
        return [said(v) for v in value] if isinstance(value, list) else value

    if pairs:
        beats = {kind: [{**item, "say": said(item["say"])} for item in items] for kind, items in beats.items()}
        merged["cta"] = {k: said(v) for k, v in merged.get("cta", {}).items()}
        merged["angles"] = {k: {**v, "hooks": said(v.get("hooks", []))} for k, v in merged.get("angles", {}).items()}
        merged["show"] = {k: said(v) for k, v in merged.get("show", {}).items()}
        for key in ("own_store_cta", "shop_cta"):
            if key in merged:
                merged[key] = said(merged[key])
    return ScriptPhrases(
        tag=tag, order=tuple(merged.get("order", SEGMENT_KINDS)), titles=dict(merged.get("titles", {})),
        beats={kind: tuple(_beat(tag, kind, item) for item in items) for kind, items in beats.items()},
        polite=_polite(merged, host), tax_included=str(merged.get("tax_included", "")),
        tax_excluded=str(merged.get("tax_excluded", "")), own_store_cta=str(merged.get("own_store_cta", "")),
        shop_cta=str(merged.get("shop_cta", "")), show={k: str(v) for k, v in merged.get("show", {}).items()},
        angles={k: dict(v) for k, v in merged.get("angles", {}).items()},
        cta_variants={k: tuple(str(x) for x in v) for k, v in merged.get("cta", {}).items()},
        cue={k: str(v) for k, v in merged.get("cue", {}).items()},
        demo_steps=tuple(str(s) for s in merged.get("demo_steps", ())))


def _polite(merged: dict[str, Any], host: str) -> str:
    """The sentence particle for the host ([scripts] host), else the phrase bank's."""
    return str(merged.get("host_polite", {}).get(host, merged.get("polite", "")))


def _beat(tag: str, kind: str, item: dict[str, Any]) -> BeatTemplate:
    where = f"script_phrases.toml [{tag}.beats.{kind}]"
    if kind not in SEGMENT_KINDS:
        raise ScriptError(f"{where}: unknown segment; known: {', '.join(SEGMENT_KINDS)}")
    when, each = str(item.get("when", "")), str(item.get("each", ""))
    if when and when not in WHEN:
        raise ScriptError(f"{where}: when = '{when}' is not one of {', '.join(WHEN)}")
    if each and each not in EACH:
        raise ScriptError(f"{where}: each = '{each}' is not one of {', '.join(EACH)}")
    priority = int(item.get("priority", 5))
    say = item["say"]
    variants = tuple(str(v) for v in say) if isinstance(say, list) else (str(say),)
    return BeatTemplate(variants, str(item.get("do", "")), priority, when, each, int(item.get("lead", 1)),
                        int(item["then"]) if "then" in item else None, int(item.get("repeat", 1)),
                        float(item["hold"]) if "hold" in item else None)


@cache
def speaking_rate(tag: str) -> SpeakingRate:
    """The speaking rate for a tag's language ('ja-JP' → ja)."""
    language = normalize_tag(tag).split("-")[0]
    rates = data.load("script_phrases.toml")["speaking_rates"]
    if language not in rates:
        raise ScriptError(f"no speaking rate for '{language}' in script_phrases.toml [speaking_rates]")
    rate = rates[language]
    return SpeakingRate(language, str(rate["unit"]), int(rate["per_minute"]), tuple(rate.get("sources", ())),
                        str(rate.get("note", "")))


def timing_settings() -> tuple[float, float]:
    """(seconds a stage direction adds to its beat, tolerance as a share of the duration)."""
    timing = data.load("script_phrases.toml")["timing"]
    return float(timing["direction_pause_seconds"]), float(timing["tolerance"])


def demo_step_seconds() -> float:
    """Seconds one further demonstration step (a stage direction, no stock line) takes."""
    return float(data.load("script_phrases.toml")["timing"]["demo_step_seconds"])


def show_settings() -> tuple[int, int]:
    """(re-hook at most every … seconds, buying reminder at most every … seconds)."""
    show = data.load("script_phrases.toml")["show"]
    return int(show["rehook_every_seconds"]), int(show["reminder_every_seconds"])


@cache
def platform(key: str) -> Platform:
    """A platform's live-shopping facts; a platform the file does not know gets the shop call to action."""
    raw = data.load("script_phrases.toml")["platforms"].get(key)
    if raw is None:
        return Platform(key, key.capitalize(), False, False, {})
    return Platform(key, str(raw.get("name", "")), bool(raw.get("live", False)), bool(raw.get("own_store", False)),
                    {k: str(v) for k, v in raw.get("cta", {}).items()}, tuple(raw.get("sources", ())),
                    str(raw.get("note", "")))


@cache
def lint_rules(tag: str) -> LintRules:
    """The lint's phrases and patterns for a tag's language (none for a language the file does not list)."""
    lint = data.load("script_phrases.toml")["lint"]
    language = normalize_tag(tag).split("-")[0]
    table = lint.get(language, {})
    phrases = {k: tuple(str(p) for p in v) for k, v in table.items() if isinstance(v, list)}
    patterns = {k: tuple(re.compile(p, re.IGNORECASE) for p in v) for k, v in table.get("patterns", {}).items()}
    return LintRules(language, phrases, patterns, dict(lint["severity"]), tuple(lint["currency_markers"]))
