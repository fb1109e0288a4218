"""write_script: one product's live-stream script for one market, from the listing's own texts.

The script says what the listing says: the product's name, selling points and attributes as the listing renders
them (the same memory, glossary and phrase bank, through the composer), the price `quote_price` gives for that
market formatted for its locale, and around them the host's phrases of data/script_phrases.toml. Text still in
the catalog's language is marked pending; nothing is invented. Each beat's time is estimated at the language's
speaking rate and the script is fitted to the duration by dropping or adding whole beats by priority.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from xborder import data
from xborder.catalog.model import Product
from xborder.claims import claim_rules
from xborder.listing.compose import ListingComposer, product_text
from xborder.listing.model import Listing, Variant
from xborder.language.phrases import phrasebank
from xborder.markets import Market
from xborder.pricing import Quote
from xborder.scripts.culture import cultural_fit
from xborder.scripts.lint import lint_lines
from xborder.scripts.model import Beat, LiveScript, ScriptSegment
from xborder.scripts.phrases import (REQUIRED, ScriptError, ScriptPhrases, SpeakingRate, demo_step_seconds, platform,
                                     script_phrases, speaking_rate, timing_settings)
from xborder.listing.compliance import compliance_data, compliance_for, detection_text, parse_voltage
from xborder.listing.qa import check_source_claims
from xborder.scripts.timing import clock, speaking_seconds
from xborder.engines.engine import Rendering, needs_translation
from xborder.findings import Finding
from xborder.language.glossary import check_missing_terms
from xborder.engines.stages import ProductText
from xborder.values import Money

_TRAILING = ".。!！;；,，、…:： \t\n"
_SPACES = re.compile(r"[ \t\r\n]+")


@dataclass(frozen=True)
class _Value:
    """A text a beat can say, the catalog texts in it still untranslated or only drafted, and every catalog text it
    says. `choices`: a value with variants (a hook's scene, a call to action): each is a candidate line."""

    text: str
    pending: tuple[str, ...] = ()
    draft: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()


class VariantPicker:
    """Chooses each beat's variant for one session (one language): deterministically by the product's place in the
    session and a counter, and so that no line is said in more than a third of the session's products (a line
    already said that often is passed over for the next variant; an optional beat with none left is not said)."""

    def __init__(self, products: int = 1) -> None:
        self.products = max(1, products)
        self.counter = 0  # the product's place in the session (and, in a run of show, its round)
        self.used: dict[str, set[str]] = {}  # line → the SKUs that say it

    @property
    def cap(self) -> int:
        return max(1, self.products // 3)

    def pick(self, candidates: list[_Value], offset: int, sku: str, required: bool) -> _Value | None:
        if not candidates:
            return None
        start = (self.counter + offset) % len(candidates)
        rotated = candidates[start:] + candidates[:start]
        for candidate in rotated:
            users = self.used.get(candidate.text, set())
            if sku in users or len(users) < self.cap:
                return candidate
        if not required:
            return None
        return min(rotated, key=lambda c: len(self.used.get(c.text, set())))

    def commit(self, sku: str, lines: list[str]) -> None:
        for line in lines:
            self.used.setdefault(line, set()).add(sku)
        self.counter += 1


def _squeeze(text: str) -> str:
    """Runs of spaces and line breaks as one space; no-break spaces (1 299,99 €, 14,99 €) stay as they are."""
    return _SPACES.sub(" ", text).strip(" ")


def _clean(text: str) -> str:
    """One line without its final punctuation: the template gives the sentence its ending."""
    return _squeeze(text).rstrip(_TRAILING)


def _value(rendering: Rendering, segments: tuple[str, ...] | None = None) -> _Value:
    """A rendering as a value: text still in the catalog's language is pending (the beat becomes a cue for the
    host), glossary terms in the catalog's word order a draft (said, and marked)."""
    sources = segments or (rendering.source,)
    if rendering.pending:
        return _Value(_clean(rendering.source if segments is None else rendering.text), sources, (), sources)
    return _Value(_clean(rendering.text), (), sources if rendering.draft else (), (rendering.source,))


def write_script(product: Product, market: Market, lang_tag: str, duration: int, *, text: ProductText, quote: Quote,
                 approved: Callable[[str], str | None] | None = None,
                 price_for: Callable[[Money], Decimal] | None = None,
                 picker: VariantPicker | None = None, host: str = "", formality: str = "") -> LiveScript:
    """The script for one product in one market, fitted to `duration` seconds.

    `text` is the build's ProductText for this product and market (plan_texts, then fetch_texts), `quote` the
    listing's price (quote_price), `approved` the memory's look-up of a person's corrected fields and `price_for`
    the price of a variant with its own cost, as the build gives them to the composer."""
    facts = script_facts(product, market, lang_tag, duration, text=text, quote=quote, approved=approved,
                         price_for=price_for, picker=picker, host=host, formality=formality)
    return assemble(facts, facts.candidates)


@dataclass
class ScriptFacts:
    """What a script of one product in one market may say, as the listing says it: the values and lists the
    phrase bank's placeholders take, the prices said, and the beats the phrase bank offers (`candidates`)."""

    product: Product
    market: Market
    lang_tag: str
    duration: int
    text: ProductText
    quote: Quote
    phrases: ScriptPhrases
    rate: SpeakingRate
    listing: Listing
    values: dict[str, _Value]
    lists: dict[str, list[dict[str, _Value]]]
    prices: list[tuple[str, str]]  # (options or '', formatted price)
    pause: float
    tolerance: float
    candidates: list[Beat]
    source_findings: list[Finding]  # claims in the catalog texts the script says, as the build finds them

    @property
    def allowed(self) -> list[Decimal]:
        """Every amount the script may say: the listing's price and its variants' prices."""
        return [self.quote.price] + [v.price for v in self.listing.variants]


def script_facts(product: Product, market: Market, lang_tag: str, duration: int, *, text: ProductText,
                 quote: Quote, approved: Callable[[str], str | None] | None = None,
                 price_for: Callable[[Money], Decimal] | None = None,
                 picker: VariantPicker | None = None, host: str = "", formality: str = "") -> ScriptFacts:
    """The listing's facts for a script and the phrase bank's beats around them (see write_script)."""
    phrases = script_phrases(lang_tag, host, formality)  # [scripts] host: the Thai particle; formality: register
    if phrases.tag.split("-")[0] != market.language:
        raise ScriptError(f"a {phrases.tag} script needs a market that lists in {phrases.tag.split('-')[0]}; "
                          f"{market.key} lists in {market.language}")
    if duration <= 0:
        raise ScriptError(f"a script's duration must be above 0 seconds, not {duration}")
    rate = speaking_rate(phrases.tag)
    composer = ListingComposer(market, approved)
    listing = composer.compose(text, quote, price_for)
    values, lists, prices = _facts(product, market, phrases, composer, listing, text, quote)
    pause, tolerance = timing_settings()
    held = claim_rules().held(product.certifications, market.country)
    source_findings: dict[tuple[str, str], Finding] = {}

    def claimed(sources: tuple[str, ...]) -> bool:
        """Whether a catalog text a line says makes a claim: the line is then a cue, never said."""
        found = False
        for source in sources:
            for finding in check_source_claims("script", source, market, held):
                source_findings.setdefault((finding.check, finding.term), finding)
                found = found or finding.severity == "error"
        return found

    picker = picker or VariantPicker()
    candidates = _expand(phrases, values, lists, pause, rate, picker, product.sku, claimed)
    chosen = _fit(candidates, duration, tolerance)
    picker.commit(product.sku, [b.text for b in chosen if not b.cue])
    return ScriptFacts(product, market, phrases.tag, duration, text, quote, phrases, rate, listing, values, lists,
                       prices, pause, tolerance, candidates, list(source_findings.values()))


def assemble(facts: ScriptFacts, candidates: list[Beat], provenance: str = "template") -> LiveScript:
    """The script from candidate beats (the phrase bank's, or a model's): fitted to the duration by priority,
    in the phrase bank's segment order, with its findings."""
    phrases, duration = facts.phrases, facts.duration
    chosen = _fit(candidates, duration, facts.tolerance)
    segments: list[ScriptSegment] = []
    dropped: list[str] = []
    for kind in phrases.order:
        offered = [b for b in candidates if b.kind == kind]
        kept = [b for b in chosen if b.kind == kind]
        if kept:
            segments.append(ScriptSegment(kind, phrases.title(kind), min(b.priority for b in offered), kept))
        elif offered:
            dropped.append(kind)
    script = LiveScript(facts.product, phrases.tag, facts.market, facts.quote, facts.values["name"].text, segments,
                        duration, facts.rate, cultural_fit(phrases.tag, facts.market.locale), facts.prices, dropped,
                        tolerance=facts.tolerance, provenance=provenance)
    script.findings = _findings(script, facts.text, facts.listing, facts.allowed)
    script.findings += facts.source_findings  # as the build finds them in the catalog's text
    for source, line in script.drafts:
        script.findings.append(Finding("draft", "warning", f"'{line}' says '{source}' as glossary terms in the "
                                       "catalog's word order: review it in scripts/pending.xlf", "script", source))
    return script


# attributes a live script never reads out as a spec: they are the parcel's, not the product's
_NOT_SPOKEN = ("gross_weight", "package_size", "moq", "brand", "origin", "net_weight")


def _angle(product: Product) -> str:
    """The product's angle for the hook and demonstration (data: script_beats.toml [angles]), by the catalog's words."""
    raw: dict[str, dict[str, list[str]]] = data.load("script_beats.toml")["angles"]
    haystack = " ".join(t for t in (product.name, product.category or "", product.name_en or "") if t)
    for key, table in raw.items():
        if any(word in haystack for word in table.get("detect", ())):
            return str(key)
    return "generic"


def _facts(product: Product, market: Market, phrases: ScriptPhrases, composer: ListingComposer, listing: Listing,
           text: ProductText, quote: Quote):
    """The values the beats may say, the lists they may repeat over, and the prices said."""
    r = text.rendering
    bank = phrasebank(market.lang_tag)
    angle_key = _angle(product)
    angle = phrases.angles.get(angle_key) or phrases.angles.get("generic", {})
    noun = _Value(str(angle.get("noun", "")))
    name = _value(composer.name(product, r))
    if name.pending or not name.text:
        name = _Value(noun.text, sources=name.sources)  # never a name still in the catalog's language on air
    values: dict[str, _Value] = {"name": name, "noun": noun, "price": _Value(quote.formatted),
                                 "tax": _Value(phrases.tax_included if quote.tax_included else phrases.tax_excluded),
                                 "polite": _Value(phrases.polite)}
    hooks = tuple(str(h) for h in angle.get("hooks", ()))
    if hooks:
        values["scene"] = _Value(hooks[0], choices=hooks)
    if angle.get("use"):
        values["demo_use"] = _Value(str(angle["use"]))
    points = []
    for point in product.selling_points:
        corrected = next((f for f in listing.bullets if f.source == point and f.provenance == "memory"), None)
        points.append({"point": _value(Rendering(point, corrected.text, "memory") if corrected else r(point))})
    keys = {label: key for key, label in bank.labels.items()}
    specs, figures = [], []
    for label, rendering in composer.attributes(product, r):
        key = keys.get(label, "")
        if key == "colour":
            values["colors"] = _value(rendering, tuple(c for c in product.colors if r(c).pending))
        elif key in ("size", "cn_size"):
            values["cn_sizes" if key == "cn_size" else "sizes"] = \
                _value(rendering, tuple(s for s in product.sizes if r(s).pending))
        elif key == "material":
            values["material"] = _value(rendering)
        elif key in ("capacity", "power", "age"):
            values[key] = _value(rendering)
        elif key == "voltage":
            values["voltage"] = _value(rendering)  # answered when asked; a mismatch is the safety beat's
        elif key in _NOT_SPOKEN:
            continue
        else:
            item = {"label": _Value(label), "value": _value(rendering)}
            specs.append(item)
            if any(ch.isdigit() for ch in item["value"].text) and not item["value"].pending:
                figures.append(item)
    if figures:
        values["figure"] = _Value("")
    if product.certifications:
        values["certs"] = _Value(", ".join(product.certifications))
    if product.description:
        values["description"] = _value(r(product.description))
    if product.category and listing.category:
        values["category"] = _value(r(product.category))
    if product.origin:
        origin = r(product.origin)
        if not origin.pending or not needs_translation(product.origin, "zh", market.language):
            values["origin"] = _Value(_clean(origin.text if not origin.pending else product.origin))
    _safety(product, market, quote, values)
    plat = platform(market.platform)
    language = market.language
    if plat.own_store:
        ctas = phrases.cta_variants.get("own_store") or (phrases.own_store_cta,)
    elif plat.live and language in plat.cta:
        ctas = phrases.cta_variants.get(f"live_{plat.key}") or (plat.cta[language],)
    else:
        ctas = phrases.cta_variants.get("shop") or (phrases.shop_cta,)
    ctas = tuple(c.replace("{platform}", plat.name or market.name).replace("{polite}", phrases.polite) for c in ctas)
    values["platform"] = _Value(plat.name or market.name)
    values["cta"] = _Value(ctas[0], choices=ctas)
    others = _other_prices(listing, quote, bank.join, r)
    prices = [("", quote.formatted)] + [(o.text, quote.money(price)) for o, price in others]
    lists = {"first_point": points[:1], "more_points": points[1:], "specs": specs, "figures": figures,
             "other_prices": [{"options": o, "price": _Value(quote.money(price))} for o, price in others]}
    return values, lists, prices


def _safety(product: Product, market: Market, quote: Quote, values: dict[str, _Value]) -> None:
    """The safety and fit lines the compliance checklist calls for: a voltage or plug the country cannot use, food
    contact, an age; electrical goods and food as before."""
    checklist = compliance_for(product, market)
    country = compliance_data().countries.get(market.country)
    checks = {f.check for f in checklist.findings}
    if "compliance-voltage" in checks and country is not None:
        rating = parse_voltage(product.voltage or "") or parse_voltage(detection_text(product), free_text=True)
        values["voltage_mismatch"] = _Value("")
        values["volts"] = _Value(str(rating) if rating else (product.voltage or ""))
        values["mains"] = _Value(f"{'/'.join(map(str, country.volts))} V")
    if "compliance-plug" in checks:
        values["plug_mismatch"] = _Value("")
    if "food_contact" in checklist.kinds:
        values["food_contact"] = _Value("")
    if product.min_age and "age" not in values:
        values["age"] = _Value(str(product.min_age))
    if _electrical(product) or "electrical_electronic" in checklist.kinds:
        values["electrical"] = _Value("")
    if "food" in checklist.kinds or quote.tax_class == "food":
        values["food"] = _Value("")


def _other_prices(listing: Listing, quote: Quote, join, r) -> list[tuple[_Value, Decimal]]:
    """Variants priced differently from the listing's price, described by the options that set them apart."""
    groups: dict[Decimal, list[Variant]] = {}
    for variant in listing.variants:
        if variant.price != quote.price:
            groups.setdefault(variant.price, []).append(variant)
    out = []
    for price, variants in sorted(groups.items()):
        parts, pending = [], []
        for index in range(len(variants[0].options)):
            shown = list(dict.fromkeys(v.options[index][1] for v in variants))
            if set(shown) != {v.options[index][1] for v in listing.variants}:
                parts.append(join(shown))
                pending += [v.source_options[index][1] for v in variants if r(v.source_options[index][1]).pending]
        out.append((_Value(" / ".join(parts) or join([v.sku for v in variants]), tuple(dict.fromkeys(pending))),
                    price))
    return out


def _detect() -> dict[str, list[str]]:
    detect: dict[str, list[str]] = data.load("script_phrases.toml")["detect"]
    return detect


def _electrical(product: Product) -> bool:
    detect = _detect()
    haystack = " ".join(t for t in (product_text(product), product.category or "") if t)
    if any(word in haystack for word in detect["electrical"]):
        return True
    units = "|".join(re.escape(u) for u in sorted(detect["electrical_units"], key=len, reverse=True))
    return re.search(rf"\d\s*(?:{units})(?![A-Za-z])", haystack) is not None


def _food(product: Product, quote: Quote) -> bool:
    haystack = f"{product.name} {product.category or ''}"
    return quote.tax_class == "food" or any(word in haystack for word in _detect()["food"])


_FORMATTER = string.Formatter()
_SENTENCE_START = re.compile(r"(?:^|[.!?¿¡]\s+|[¿¡])$")


def _fill(template: str, scope: dict[str, _Value]) -> list[_Value] | None:
    """A template with its placeholders filled (one candidate per choice of a value with variants), or None when
    one of them has no value for this product."""
    if not template:
        return [_Value("")]
    parts = list(_FORMATTER.parse(template))
    names = [field for _, field, _, _ in parts if field]
    if any(name not in scope for name in names):
        return None
    choice = next((name for name in names if scope[name].choices), None)
    options = scope[choice].choices if choice else ("",)
    out = []
    for option in options:
        filled = ""
        for literal, name, _, _ in parts:
            filled += literal
            if name:
                value = _inner(option, scope) if name == choice else scope[name].text
                if _SENTENCE_START.search(filled) and value[:1].islower():
                    value = value[0].upper() + value[1:]  # 'polyester' opening a sentence: 'Polyester'
                filled += value
        out.append(_Value(_squeeze(filled), tuple(dict.fromkeys(s for n in names for s in scope[n].pending)),
                          tuple(dict.fromkeys(s for n in names for s in scope[n].draft)),
                          tuple(dict.fromkeys(s for n in names for s in scope[n].sources))))
    return out


def _inner(text: str, scope: dict[str, _Value]) -> str:
    """A variant's own placeholders ({noun}, {price}, {polite} in a call to action or a hook) filled."""
    for key, value in scope.items():
        if not value.choices:
            text = text.replace("{" + key + "}", value.text)
    return text


def _cue(phrases: ScriptPhrases, what: str, texts: tuple[str, ...]) -> str:
    """A bracketed cue for the host, in place of a line that cannot be said yet."""
    label = phrases.cue.get(what) or {"to_translate": "to translate", "claim": "left out, a claim"}.get(what, what)
    shown = ", ".join(texts)
    return f"[{label}: {shown[:60]}{'…' if len(shown) > 60 else ''}]"


def _expand(phrases: ScriptPhrases, values: dict[str, _Value], lists: dict[str, list[dict[str, _Value]]],
            pause: float, rate, picker: VariantPicker | None = None, sku: str = "",
            claimed: Callable[[tuple[str, ...]], bool] | None = None) -> list[Beat]:
    """Every beat the phrase bank offers for this product, in script order, with its estimated time: one variant of
    each (chosen by the session's picker), text still in the catalog's language as a cue for the host, the first
    line of each required beat (REQUIRED) always said."""
    picker = picker or VariantPicker()
    beats: list[Beat] = []
    zh = speaking_rate("zh")
    said_texts: set[str] = set()
    for kind in phrases.order:
        first = len(beats)
        for number, template in enumerate(phrases.beats.get(kind, ())):
            if template.when and template.when not in values:
                continue
            items = lists.get(template.each, []) if template.each else [{}]
            for index, item in enumerate(items):
                priority = template.priority if index < template.lead else \
                    (template.then if template.then is not None else template.priority + 1)
                scope = {**values, **item}
                candidates = [c for variant in template.say for c in (_fill(variant, scope) or []) if c.text]
                said = picker.pick(candidates, number + index, sku, required=priority <= 1 or kind in REQUIRED)
                if said is None:
                    continue
                direction = (_fill(template.do, scope) or [_Value("")])[0]
                held = template.hold if template.hold is not None else pause
                cue, text = False, said.text
                if claimed is not None and claimed(said.sources):
                    cue, text = True, _cue(phrases, "claim", said.sources)
                elif said.pending:
                    cue, text = True, _cue(phrases, "to_translate", said.pending)
                seconds = speaking_seconds(said.text, rate) + (held if direction.text else 0.0)
                if said.pending:  # the translated line will take about as long as the Chinese takes to say
                    seconds = sum(speaking_seconds(p, zh) for p in said.pending) + (held if direction.text else 0)
                if text in said_texts:  # never the same line twice in one script: no padding with repeats
                    continue
                said_texts.add(text)
                for copy in range(template.repeat):
                    beats.append(Beat(kind, text, direction.text, priority + copy, seconds,
                                      tuple(dict.fromkeys(said.pending + direction.pending)), cue, said.draft,
                                      said.sources, fact=bool(template.when or template.each),
                                      topic=template.when or template.each))
        if kind == "demo" and "demo_use" in values:  # a longer slot shows more of the product, step by step
            step = demo_step_seconds()
            for number, direction_text in enumerate(phrases.demo_steps):
                beats.append(Beat(kind, "", direction_text, 4 + number, step, cue=True))
        if kind in REQUIRED:  # the first line of a required beat is said, a spoken one rather than a cue
            offered = beats[first:]
            lead = next((b for b in offered if not b.cue), offered[0] if offered else None)
            if lead is not None:
                lead.priority = 1
    return beats


def _fit(beats: list[Beat], target: float, tolerance: float) -> list[Beat]:
    """The beats to say: every priority-1 beat, then the others by priority (script order within one) while they
    fit the target; if that leaves the script short, more beats that keep it within half the tolerance above the
    target. Beats are whole sentences, so nothing is ever cut mid-sentence."""
    chosen = {i for i, b in enumerate(beats) if b.priority <= 1}
    total = sum(beats[i].seconds for i in chosen)
    optional = sorted((i for i in range(len(beats)) if i not in chosen), key=lambda i: (beats[i].priority, i))
    for i in optional:
        if total + beats[i].seconds <= target:
            chosen.add(i)
            total += beats[i].seconds
    low, high = target * (1 - tolerance / 2), target * (1 + tolerance / 2)
    for i in optional:
        if total >= low:
            break
        if i not in chosen and total + beats[i].seconds <= high:
            chosen.add(i)
            total += beats[i].seconds
    return [beats[i] for i in sorted(chosen)]


def facts_noun(script: LiveScript) -> str:
    angle = script_phrases(script.lang_tag).angles
    return str((angle.get(_angle(script.product)) or angle.get("generic", {})).get("noun", ""))


def _findings(script: LiveScript, text: ProductText, listing: Listing, allowed: list[Decimal]) -> list[Finding]:
    """The lint, the glossary's terms, text still pending, the price's own state and the timing."""
    product, market, quote = script.product, script.market, script.quote
    glossary = text.glossary
    lines = [(b.kind, b.text) for s in script.segments for b in s.beats if not b.cue]
    forbidden = [e for e in glossary.entries_for(product_text(product)) if e.type == "forbidden"]
    found = lint_lines(lines, market, script.lang_tag, allowed, quote.formatted, forbidden,
                       claim_rules().held(product.certifications, market.country))
    name_terms = [e for e in glossary.entries_for(product.name) if e.type == "term"]
    # the name is said only where the listing has it (a hook is a scene, not the name)
    if script.name and script.name != facts_noun(script) and script.name in script.spoken:
        found += check_missing_terms(name_terms, script.spoken, script.lang_tag, "script")
    for segment in script.segments:
        if segment.pending:
            sources = list(dict.fromkeys(s for b in segment.beats for s in b.pending))
            found.append(Finding("untranslated", "error", f"still in the catalog's language ({', '.join(sources[:3])})"
                                 ": translate it in scripts/pending.xlf, import it with `xborder tm import`, and "
                                 "write the scripts again", segment.kind))
    if not quote.confirmed:
        reason = next(f for f in quote.findings if f.severity == "error")
        found.append(Finding("price-unconfirmed", "error", f"the listing's price is unconfirmed ({reason}); do "
                                                           "not announce it until it is", "offer"))
    total, target = script.total_seconds, script.target_seconds
    if not script.within_tolerance:
        if total > target:
            found.append(Finding("over-time", "warning", f"the lines that must be said take {clock(total)}, more "
                                                         f"than {clock(target)}: give a longer duration", "script"))
        else:
            found.append(Finding("under-time", "warning", f"the product's facts fill {clock(total)} of "
                                                          f"{clock(target)}: add selling points (卖点) to the "
                                                          "catalog, or give a shorter duration", "script"))
    return found
