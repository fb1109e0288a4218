"""What a product needs to be sold in a market: its kinds, a checklist of marks, registrations and labels,
and findings for what is plainly wrong (a 220 V product for 100 V Japan, a Chinese plug for the US).

The knowledge is data (xborder/data/compliance.toml); this module only reads a product against it.
A checklist, not legal advice."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from xborder import data
from xborder.catalog.model import Product
from xborder.markets import Market
from xborder.settings import Seller
from xborder.findings import Finding

GIVEN, TO_DO, ERROR = "given", "to do", "error"
DISCLAIMER = "A checklist, not legal advice: confirm with the authority or a compliance service."
ELECTRICAL = "electrical_electronic"
GENERAL = "general"


@dataclass(frozen=True)
class Country:
    """A country's mains supply and the plugs its sockets take."""

    code: str
    name: str
    region: str
    volts: tuple[int, ...]
    hertz: tuple[int, ...]
    plug_types: tuple[str, ...]
    plug_standards: tuple[str, ...]
    source: str
    accepted_ratings: tuple[int, ...] = ()  # rated values taken although no nominal here (MX: 110-120 V goods)
    accepted_ratings_source: str = ""

    @property
    def mains(self) -> str:
        """'120 V, 60 Hz'; '100 V, 50/60 Hz'."""
        return f"{'/'.join(map(str, self.volts))} V, {'/'.join(map(str, self.hertz))} Hz"


@dataclass(frozen=True)
class PlugStandard:
    key: str
    label: str
    types: tuple[str, ...]
    aliases: tuple[str, ...]
    source: str
    abroad: str = ""  # why it will not do elsewhere, though its shape may match ('国标' type A)


@dataclass(frozen=True)
class KeywordGroup:
    """Words that mark a kind of product; `never` words are taken out of the text first."""

    name: str
    match: re.Pattern[str] | None
    never: re.Pattern[str] | None

    def found_in(self, text: str) -> bool:
        return self.word_in(text) is not None

    def word_in(self, text: str) -> str | None:
        """The first word of the group in `text`, as written there; None if there is none."""
        if self.match is None:
            return None
        if self.never is not None:
            text = self.never.sub(" ", text)
        found = self.match.search(text)
        return found.group(0) if found else None


@dataclass(frozen=True)
class ProductKind:
    key: str
    label: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class Requirement:
    """One mark, registration, label or document a kind of product needs in a region."""

    kind: str
    regions: tuple[str, ...]
    requirement: str
    action: str
    source: str
    countries: tuple[str, ...] = ()
    only_if: tuple[str, ...] = ()
    except_if: tuple[str, ...] = ()
    mains_only: bool = False
    given_by: tuple[str, ...] = ()
    setting: str = ""
    electronic_address: bool = False  # the setting's value must hold an e-mail or web address
    only_if_all: tuple[str, ...] = ()  # every one of these groups must match (a lithium battery sold alone)
    scope: str = ""  # what the rule covers, as its source defines it
    check: str = ""  # a check of the product's own data that decides the status ('fibre_composition')

    def applies(self, country: Country, groups: set[str], power: str) -> bool:
        return ("ALL" in self.regions or country.region in self.regions) \
            and (not self.countries or country.code in self.countries) \
            and (not self.only_if or bool(groups & set(self.only_if))) \
            and set(self.only_if_all) <= groups \
            and not groups & set(self.except_if) \
            and (not self.mains_only or power in (MAINS, UNKNOWN))


@dataclass(frozen=True)
class ComplianceData:
    """xborder/data/compliance.toml, read."""

    countries: dict[str, Country]
    plugs: dict[str, PlugStandard]
    groups: dict[str, KeywordGroup]
    kinds: dict[str, ProductKind]
    requirements: tuple[Requirement, ...]
    voltage_tolerance: Decimal
    voltage_tolerance_source: str
    field_labels: dict[str, str]
    fibres: FibreNames


@dataclass(frozen=True)
class FibreNames:
    """Textile fibre names (with the words factories use for them) and fabric names that are no fibre."""

    aliases: dict[str, str]  # alias, lower-cased → the fibre's name ('桑蚕丝' → 'silk')
    fabrics: dict[str, str]  # fabric word, lower-cased → what it is ('雪纺' → 'chiffon')
    fibre_pattern: re.Pattern[str]
    fabric_pattern: re.Pattern[str]
    severity: dict[str, str]  # region → severity of a missing or incomplete composition
    source: str


@dataclass(frozen=True)
class ComplianceItem:
    """One line of a listing's checklist: status is 'given', 'to do' or 'error'."""

    kind: str
    requirement: str
    action: str
    source: str
    status: str
    why: str = ""  # why it applies to this product: "'蓝牙' in 规格 (radio)"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "requirement": self.requirement, "action": self.action, "source": self.source,
                "status": self.status, "why": self.why}


@dataclass
class Compliance:
    """A listing's product kinds, its checklist for the market, and the findings that go with the listing's."""

    kinds: tuple[str, ...] = ()
    items: list[ComplianceItem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"kinds": list(self.kinds), "items": [i.to_json() for i in self.items]}


@dataclass(frozen=True)
class VoltageRating:
    """Rated mains voltages as spans in volts: '110-240V' → ((110, 240),); '110V/220V' → ((110, 110), (220, 220))."""

    spans: tuple[tuple[int, int], ...]

    def fits(self, volts: int, tolerance: Decimal, accepted: tuple[int, ...] = ()) -> bool:
        """Any of the rated values or ranges suits a mains of `volts`: a range must contain it (or a rating the
        country accepts), a single value may be off by the supply tolerance (220 V for 230 V) or be accepted."""
        return any(low <= volts <= high or any(low <= a <= high for a in accepted) if low < high
                   else low * (1 - tolerance) <= volts <= low * (1 + tolerance) or low in accepted
                   for low, high in self.spans)

    def __str__(self) -> str:
        return "/".join(f"{low} V" if low == high else f"{low}-{high} V" for low, high in self.spans)


@dataclass(frozen=True)
class PlugSpec:
    """The plugs a product is offered with: standards ('CN', 'US') or bare IEC types ('C')."""

    standards: tuple[str, ...]
    types: tuple[str, ...]
    written: str


MAINS, BATTERY, STATED, UNKNOWN = "mains", "battery", "stated", "unknown"  # how a product is powered


# ---------------------------------------------------------------------------------------------
def _pattern(words: list[str]) -> re.Pattern[str] | None:
    """Chinese words as substrings; Latin words case-insensitively, not inside a longer word ('tea' ≠ 'steam')."""
    if not words:
        return None
    parts = []
    for word in sorted(words, key=len, reverse=True):
        escaped = re.escape(word)
        parts.append(escaped if re.search(r"[^\x00-\x7f]", word) else rf"(?<![A-Za-z]){escaped}(?![A-Za-z])")
    return re.compile("|".join(parts), re.IGNORECASE)


@cache
def compliance_data() -> ComplianceData:
    raw = data.load("compliance.toml")
    countries = {code: Country(code, c["name"], c["region"], tuple(c["volts"]), tuple(c["hertz"]),
                               tuple(c["plug_types"]), tuple(c["plug_standards"]), c["source"],
                               tuple(c.get("accepted_ratings", ())), c.get("accepted_ratings_source", ""))
                 for code, c in raw["countries"].items()}
    plugs = {key: PlugStandard(key, p["label"], tuple(p["types"]), tuple(p["aliases"]), p["source"],
                               p.get("abroad", ""))
             for key, p in raw["plugs"].items()}
    groups = {name: KeywordGroup(name, _pattern(g["match"]), _pattern(g.get("never", [])))
              for name, g in raw["groups"].items()}
    kinds = {key: ProductKind(key, k["label"], tuple(k["groups"])) for key, k in raw["kinds"].items()}
    requirements = tuple(Requirement(
        r["kind"], tuple(r["regions"]), r["requirement"], r["action"], r["source"],
        tuple(r.get("countries", ())), tuple(r.get("only_if", ())), tuple(r.get("except_if", ())),
        bool(r.get("mains_only", False)), tuple(r.get("given_by", ())), r.get("setting", ""),
        bool(r.get("electronic_address", False)), tuple(r.get("only_if_all", ())), r.get("scope", ""),
        r.get("check", ""))
        for r in raw["requirements"])
    fibres = raw["fibres"]
    aliases = {alias.lower(): name for name, words in fibres["names"].items() for alias in [name, *words]}
    fabrics = {word.lower(): name for name, words in fibres["fabrics"].items() for word in [name, *words]}
    fibre_names = FibreNames(aliases, fabrics, _words_pattern(list(aliases)), _words_pattern(list(fabrics)),
                             dict(fibres["severity"]), fibres["source"])
    return ComplianceData(countries, plugs, groups, kinds, requirements, Decimal(raw["voltage_tolerance"]),
                          raw["voltage_tolerance_source"], dict(raw["field_labels"]), fibre_names)


def _words_pattern(words: list[str]) -> re.Pattern[str]:
    pattern = _pattern(words)
    assert pattern is not None, "an empty word list in compliance.toml"
    return pattern


def detection_text(product: Product) -> str:
    """The catalog text kinds are found in: name, English name, spec, material, selling points, description,
    category, and the facts read from remarks and the sheet's own columns."""
    # facts read from remarks count like a column's: '含锂电池' makes a battery product, an age grade a children's one
    facts = [product.battery, product.food_contact, *(f"{a.header} {a.value}" for a in product.attributes),
             "children" if product.min_age is not None and product.min_age < 14 else None]
    return "\n".join(t for t in (product.name, product.name_en, product.spec, product.material,
                                  *product.selling_points, product.description, product.category, *facts) if t)


def matched_groups(product: Product) -> set[str]:
    """The keyword groups a product's catalog text matches (the same in every market: searched once per text)."""
    return set(_groups_in(detection_text(product)))


@lru_cache(maxsize=4096)
def _groups_in(text: str) -> frozenset[str]:
    return frozenset(name for name, group in compliance_data().groups.items() if group.found_in(text))


def product_kinds(product: Product, groups: set[str] | None = None) -> tuple[str, ...]:
    """The kinds a product is, in the data's order; 'general' first. A product with a rated voltage or a plug
    is electrical whatever its words say."""
    groups = matched_groups(product) if groups is None else groups
    found = [k.key for k in compliance_data().kinds.values()
             if k.key == GENERAL or groups & set(k.groups)
             or (k.key == ELECTRICAL and (product.voltage or product.plug))]
    return tuple(found)


def labelled_texts(product: Product) -> tuple[tuple[str, str], ...]:
    """The catalog text kinds are found in, each with the name of the column it came from ('规格')."""
    labels = compliance_data().field_labels
    texts = [(labels["name"], product.name), (labels["name_en"], product.name_en), (labels["spec"], product.spec),
             (labels["material"], product.material), *((labels["selling_points"], p) for p in product.selling_points),
             (labels["description"], product.description), (labels["category"], product.category),
             (labels["battery"], product.battery), (labels["food_contact"], product.food_contact),
             *((a.header, a.value) for a in product.attributes)]
    return tuple((label, text) for label, text in texts if text)


@lru_cache(maxsize=8192)
def _evidence(texts: tuple[tuple[str, str], ...], group: str) -> str:
    """Where a group's word stands in a product's text: "'蓝牙' in 规格"; '' if in none of them."""
    words = compliance_data().groups[group]
    for label, text in texts:
        word = words.word_in(text)
        if word:
            return f"'{word}' in {label}"
    return ""


def _why(requirement: Requirement, product: Product, texts: tuple[tuple[str, str], ...], groups: set[str], power: str,
         country: Country) -> str:
    """Why a requirement applies to this product: the words that made it its kind and met its conditions."""
    kind = compliance_data().kinds[requirement.kind]
    reasons: list[str] = []

    def because(group: str) -> None:
        found = _evidence(texts, group)
        reasons.append(f"{found} ({group.replace('_', ' ')})" if found else group.replace("_", " "))

    # the condition of the rule is the more telling reason ('蓝牙' for FCC); the product's kind, when there is none
    for group in requirement.only_if:
        if group in groups:
            because(group)
            break
    for group in requirement.only_if_all:
        because(group)
    if not reasons:
        if requirement.kind == ELECTRICAL and not groups & set(kind.groups):
            reasons.append("a rated voltage (电压) or plug (插头) is given")
        for group in kind.groups:
            if group in groups:
                because(group)
                break
        if requirement.kind == "childrens" and "childrens" not in groups and product.min_age is not None:
            reasons.append(f"for ages {product.min_age}+")
    if requirement.mains_only:
        reasons.append("mains-powered" if power == MAINS else "power source not stated, taken as mains")
    if not reasons:
        reasons.append(f"every product sold in {country.name}")
    return "; ".join(dict.fromkeys(reasons))


# textile fibres -----------------------------------------------------------------------------
@dataclass(frozen=True)
class FibreComposition:
    """What a textile's material says of its fibres: fibres with percentages, fibres without, fabric names."""

    parts: tuple[tuple[str, Decimal], ...]  # (fibre, percent), as written
    unquantified: tuple[str, ...]  # fibres named with no percentage
    fabrics: tuple[tuple[str, str], ...]  # (as written, what it is): ('雪纺', 'chiffon')

    @property
    def total(self) -> Decimal:
        return sum((percent for _, percent in self.parts), Decimal(0))

    @property
    def complete(self) -> bool:
        """Every fibre named has a percentage, and they add up to 100 (±1 for rounding) for each component: a shell
        and a lining ('面料 100%桑蚕丝 里料 100%涤纶') are two compositions of 100% each."""
        if not self.parts or self.unquantified:
            return False
        running = Decimal(0)
        for _, percent in self.parts:
            running += percent
            if abs(running - 100) <= 1:
                running = Decimal(0)
        return running == 0

    def __str__(self) -> str:
        return ", ".join(f"{percent.normalize():f}% {fibre}" for fibre, percent in self.parts)


_PERCENT = r"(\d{1,3}(?:[.,]\d+)?)\s*[%％]"


def read_fibre_composition(text: str) -> FibreComposition:
    """Fibres and percentages in a material cell: '95%棉 5%氨纶', 'Cotton 60%, Polyester 40%', '100% Seide'."""
    names = compliance_data().fibres
    text = text.replace("％", "%")
    parts: list[tuple[str, Decimal]] = []
    spans: list[tuple[int, int]] = []
    alias = names.fibre_pattern.pattern
    for found in re.finditer(rf"{_PERCENT}\s*(?:的)?\s*({alias})|({alias})\s*(?:[:：]\s*)?{_PERCENT}", text,
                             re.IGNORECASE):
        percent, word = (found.group(1), found.group(2)) if found.group(1) else (found.group(4), found.group(3))
        fibre = names.aliases.get(word.lower())
        if fibre is None:
            continue
        parts.append((fibre, Decimal(percent.replace(",", "."))))
        spans.append(found.span())
    rest = text
    for start, end in reversed(spans):
        rest = rest[:start] + " " + rest[end:]
    # a fabric's name may hold a fibre's ('丝绒' is velvet, not silk): fabrics are taken out first
    fabrics = [(m.group(0), names.fabrics[m.group(0).lower()]) for m in names.fabric_pattern.finditer(rest)]
    rest = names.fabric_pattern.sub(" ", rest)
    unquantified = [names.aliases[m.group(0).lower()] for m in names.fibre_pattern.finditer(rest)]
    named = {fibre for fibre, _ in parts}
    return FibreComposition(tuple(parts), tuple(f for f in dict.fromkeys(unquantified) if f not in named),
                            tuple(dict.fromkeys(fabrics)))


def _composition_text(product: Product) -> str:
    """Where a product's fibre composition may be written: its material, a 成分/面料 column, its spec."""
    cues = ("成分", "面料", "材质", "composition", "fabric", "material")
    extra = [a.value for a in product.attributes if any(c in a.header.lower() for c in cues)]
    return "\n".join(t for t in (product.material, *extra, product.spec) if t)


def _fibre_item(product: Product, country: Country, result: Compliance) -> tuple[str, str]:
    """Check a textile's fibre composition: the label item's status and what to do; adds the finding."""
    names = compliance_data().fibres
    written = _composition_text(product)
    found = read_fibre_composition(written)
    if found.complete:
        return GIVEN, f"composition: {found}"
    if found.parts:
        problem = (f"the fibre percentages ({found}) do not add up to 100%"
                   + (f" and {', '.join(found.unquantified)} has none" if found.unquantified else ""))
    elif found.unquantified:
        only = found.unquantified[0]
        problem = (f"{', '.join(found.unquantified)} named without percentages"
                   + (f" (write '100% {only}' if it is all {only})" if len(found.unquantified) == 1 else ""))
    elif found.fabrics:
        problem = "; ".join(f"'{word}' is a fabric ({what}), not a fibre" for word, what in found.fabrics)
    else:
        problem = "no fibre composition in the material (材质) or a 成分 column"
    message = (f"fibre composition for {country.name}: {problem}; give every fibre with its percentage by weight, "
               f"e.g. '100% 桑蚕丝' or '95% 棉 5% 氨纶'")
    severity = names.severity.get(country.region, names.severity.get("default", "warning"))
    if severity != "off":
        result.findings.append(Finding("compliance-fibre-composition", severity, message, "compliance"))
    return (ERROR if severity == "error" else TO_DO), message


# voltages -----------------------------------------------------------------------------------
_VOLT = r"(?:V|VAC|Vac|伏)"
_RANGE = re.compile(rf"(?<![\d.])(\d{{2,3}})\s*{_VOLT}?\s*(?:-|~|～|–|—|至|到)\s*(?:AC\s*)?(\d{{2,3}})\s*{_VOLT}"
                    r"(?![A-Za-z])", re.IGNORECASE)
# several rated values: '110/220V', '110V/220V', '110V/220V切换' (the last figure carries the unit)
_LIST = re.compile(rf"(?<![\d.])((?:\d{{2,3}}\s*{_VOLT}?\s*/\s*)+\d{{2,3}})\s*{_VOLT}(?![A-Za-z])", re.IGNORECASE)
_SINGLE = re.compile(rf"(?<![\d.])(?<!DC)(?<!DC )(\d{{2,3}})\s*{_VOLT}(?![A-Za-z])", re.IGNORECASE)
_MAINS_BAND = (90, 264)  # what any public supply delivers: a figure outside it is no mains rating
_NOMINAL = {100, 110, 115, 120, 127, 220, 230, 240}  # a lone figure in free text counts only if it is one of these
# a clause about what an instrument measures or withstands, not what it runs on ('自动量程 600V', '耐压1000V')
_NOT_RATING = re.compile(r"量程|测量|档位|档|耐压|绝缘|检测|CAT\s*I|measur|insulat|withstand", re.IGNORECASE)
_CLAUSES = re.compile(r"[，,；;。\n|、]")


def parse_voltage(text: str, *, free_text: bool = False) -> VoltageRating | None:
    """Rated mains voltage from a voltage cell ('AC 110-240V', '220V', '100～240V') or, with free_text, from a
    spec or description ('电压：220V'), where measuring ranges and lone odd figures are left alone."""
    spans: list[tuple[int, int]] = []
    if not free_text and re.fullmatch(r"[\d\s~～–—至到-]+", text.strip()):  # a bare '220' in a voltage cell
        text = text.strip() + "V"
    for clause in _CLAUSES.split(text) if free_text else [text]:
        if free_text and _NOT_RATING.search(clause):
            continue
        rest = clause
        for match in _RANGE.finditer(clause):
            low, high = int(match.group(1)), int(match.group(2))
            if _MAINS_BAND[0] <= low < high <= _MAINS_BAND[1]:
                spans.append((low, high))
            rest = rest.replace(match.group(0), " ")
        for match in _LIST.finditer(rest):
            for figure in re.findall(r"\d{2,3}", match.group(1)):
                volts = int(figure)
                if volts in _NOMINAL if free_text else _MAINS_BAND[0] <= volts <= _MAINS_BAND[1]:
                    spans.append((volts, volts))
            rest = rest.replace(match.group(0), " ")
        for match in _SINGLE.finditer(rest):
            volts = int(match.group(1))
            if volts in _NOMINAL if free_text else _MAINS_BAND[0] <= volts <= _MAINS_BAND[1]:
                spans.append((volts, volts))
    return VoltageRating(tuple(dict.fromkeys(spans))) if spans else None


# plugs --------------------------------------------------------------------------------------
_PLUG_WORD = re.compile(r"插头|插座|plug", re.IGNORECASE)
_TYPE = re.compile(r"(?:type|类型)\s*([A-O])(?![A-Za-z])|(?<![A-Za-z])([A-O])\s*型\s*插头", re.IGNORECASE)
_USB = re.compile(r"USB|接口|充电口|port", re.IGNORECASE)  # 'Type C 接口' is a USB socket, not a mains plug


@cache
def _plug_aliases() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    """(standard, alias, pattern) for every plug alias, longest alias first."""
    found = [(p.key, alias, _pattern([alias])) for p in compliance_data().plugs.values() for alias in p.aliases]
    return tuple((key, alias, pattern) for key, alias, pattern in sorted(found, key=lambda f: -len(f[1]))
                 if pattern is not None)


def parse_plug(text: str, *, free_text: bool = False) -> PlugSpec | None:
    """Plug standards and IEC types from a plug cell ('国标', 'US', 'Type C') or, with free_text, from a spec
    ('插头：国标', '国标插头', 'EU plug'): there a standard's name counts only next to a word for plug, or
    when it is a plug word itself ('美规'), and a type letter only next to a word for plug."""
    standards: list[str] = []
    types: list[str] = []
    written: list[str] = []
    for clause in _CLAUSES.split(text) if free_text else [text]:
        about_plugs = bool(_PLUG_WORD.search(clause))
        for key, alias, pattern in _plug_aliases():
            if key not in standards and pattern.search(clause) and \
                    (not free_text or about_plugs or "规" in alias or _PLUG_WORD.search(alias)):
                standards.append(key)
                written.append(alias)
        if not free_text or (about_plugs and not _USB.search(clause)):
            for match in _TYPE.finditer(clause):
                types.append((match.group(1) or match.group(2)).upper())
                written.append(match.group(0))
        if not free_text and not standards and not types:
            cell = clause.strip().upper()
            if re.fullmatch(r"[A-O](?:\s*[/、,]\s*[A-O])*", cell):
                types += re.findall(r"[A-O]", cell)
            elif cell in compliance_data().plugs:  # 'US', 'EU', 'UK', 'CN'
                standards.append(cell)
            written.append(clause.strip())
    if not standards and not types:
        return None
    return PlugSpec(tuple(dict.fromkeys(standards)), tuple(dict.fromkeys(types)),
                    text.strip() if not free_text else "/".join(dict.fromkeys(written)))


def _plug_fits(plug: PlugSpec, country: Country) -> bool:
    return bool(set(plug.standards) & set(country.plug_standards)) or bool(set(plug.types) & set(country.plug_types))


def _plug_why(plug: PlugSpec, country: Country) -> str:
    """Why a plug will not do although it may share a type letter with the country's sockets ('国标' type A in
    the US): the standard's own note, or that it is made to another standard; '' when no type is shared."""
    plugs = compliance_data().plugs
    shared = [t for s in plug.standards for t in plugs[s].types if t in country.plug_types]
    notes = [plugs[s].abroad for s in plug.standards if plugs[s].abroad]
    if shared and notes:
        return ": " + "; ".join(notes)
    if shared:
        return (f": it shares the shape of type {', '.join(dict.fromkeys(shared))} but is made to another "
                f"country's plug standard, not to {country.name}'s")
    return ""


def _plug_name(plug: PlugSpec) -> str:
    plugs = compliance_data().plugs
    names = [plugs[s].label for s in plug.standards] + [f"type {t}" for t in plug.types]
    return "; ".join(names)


# the checklist ------------------------------------------------------------------------------
def _covered(requirement: Requirement, certifications: list[str]) -> bool:
    pattern = _pattern(list(requirement.given_by))
    return pattern is not None and any(pattern.search(c) for c in certifications)


def _setting(requirement: Requirement, product: Product, seller: Seller) -> str:
    if requirement.setting == "manufacturer":  # the name, and the address that goes with it
        if not product.manufacturer:
            return ""
        return ", ".join(t for t in (product.manufacturer, product.manufacturer_address) if t)
    return str(getattr(seller, requirement.setting, "") or "")


_ELECTRONIC_ADDRESS = re.compile(r"@|https?://|\bwww\.", re.IGNORECASE)


_SETTING_FINDINGS = {
    "eu_responsible_person": ("compliance-responsible-person",
                              "no EU responsible person: GPSR (EU) 2023/988 Art. 16 needs an economic operator in "
                              "the EU named on the product and in the listing; set [compliance] eu_responsible_person "
                              "in xborder.toml (or in the marketplace's GPSR settings)"),
    "uk_responsible_person": ("compliance-responsible-person",
                              "no UK importer or responsible person: set [compliance] uk_responsible_person in "
                              "xborder.toml (name and UK address for the label)"),
    "manufacturer": ("compliance-manufacturer",
                     "no manufacturer: product safety rules in {country} need the manufacturer's name and address on "
                     "the product and in the listing; give the 生产厂家 column or [project] manufacturer"),
}


def compliance_for(product: Product, market: Market, seller: Seller | None = None) -> Compliance:
    """The product's kinds, its checklist for the market's country and the findings: errors for a voltage or plug
    the country cannot use, warnings for what the seller has not set (responsible person, manufacturer) or the
    catalog does not say (an electrical product's voltage). A country the data does not cover gets no checklist."""
    seller = seller or Seller()
    known = compliance_data()
    groups = matched_groups(product)
    kinds = product_kinds(product, groups)
    country = known.countries.get(market.country)
    if country is None:
        return Compliance(kinds)
    result = Compliance(kinds)
    power = _power_items(product, country, kinds, groups, result) if ELECTRICAL in kinds else UNKNOWN
    texts = labelled_texts(product)  # once per listing: every item's reason is looked up in it
    for requirement in known.requirements:
        if requirement.kind not in kinds or not requirement.applies(country, groups, power):
            continue
        if requirement.setting:
            value = _setting(requirement, product, seller)
            given = bool(value)
            if not given:
                check, message = _SETTING_FINDINGS[requirement.setting]
                result.findings.append(Finding(check, "warning", message.format(country=country.name), "compliance"))
            elif requirement.electronic_address and not _ELECTRONIC_ADDRESS.search(value):
                given = False
                where = f"[compliance] {requirement.setting}"
                if requirement.setting == "manufacturer":
                    where = "a 厂家地址 column or [compliance] manufacturer_address"
                result.findings.append(Finding("compliance-contact", "warning", (
                    f"'{value}' has no e-mail or web address: {requirement.requirement} needs the postal and "
                    f"electronic address on the product and in the listing; add them to {where}"), "compliance"))
        else:
            given = _covered(requirement, product.certifications)
        why = _why(requirement, product, texts, groups, power, country)
        if requirement.check == "fibre_composition":
            # a composition the catalog gives is what the label needs, not the label itself: the item stays as
            # its certificates say; one missing or incomplete is an error (or a warning) with what to write
            status, said = _fibre_item(product, country, result)
            if status == GIVEN:
                status = GIVEN if given else TO_DO
                why = f"{why}; {said}"
            action = requirement.action if said.startswith("composition:") else f"{said}. {requirement.action}"
            result.items.append(ComplianceItem(requirement.kind, requirement.requirement, action,
                                               f"{requirement.source}; {known.fibres.source}", status, why))
            continue
        result.items.append(ComplianceItem(requirement.kind, requirement.requirement, requirement.action,
                                           requirement.source, GIVEN if given else TO_DO, why))
    return result


def _power_items(product: Product, country: Country, kinds: tuple[str, ...], groups: set[str],
                 result: Compliance) -> str:
    """Check an electrical product's rated voltage and plug against the country's; add the items and findings.
    Returns how the product is powered: mains, battery, stated (a voltage cell that is no mains rating) or
    unknown."""
    known = compliance_data()
    text = detection_text(product)
    rating = parse_voltage(product.voltage) if product.voltage else None
    rating = rating or parse_voltage(text, free_text=True)
    plug = (parse_plug(product.plug) if product.plug else None) or parse_plug(text, free_text=True)
    source = "; ".join(s for s in (country.source, known.voltage_tolerance_source, country.accepted_ratings_source)
                       if s)
    if rating is not None:
        mains = country.volts[0]
        requirement = f"Rated voltage suits {country.name}'s mains ({country.mains})"
        if all(rating.fits(v, known.voltage_tolerance, country.accepted_ratings) for v in country.volts):
            result.items.append(ComplianceItem(ELECTRICAL, requirement, f"rated {rating}: fits", source, GIVEN))
        else:
            message = (f"{rating} only: {country.name}'s mains is {country.mains}; sell a model rated for "
                       f"{mains} V (or universal 100-240 V), or state in the listing that a voltage converter is "
                       f"needed")
            result.items.append(ComplianceItem(ELECTRICAL, requirement, message, source, ERROR))
            result.findings.append(Finding("compliance-voltage", "error", message, "compliance"))
    if plug is not None:
        requirement = f"Plug fits {country.name}'s sockets (types {', '.join(country.plug_types)})"
        if _plug_fits(plug, country):
            result.items.append(ComplianceItem(ELECTRICAL, requirement, f"plug {plug.written}: fits", country.source,
                                               GIVEN))
        else:
            plug_sources = "; ".join(known.plugs[s].source for s in plug.standards)
            message = (f"plug {plug.written} ({_plug_name(plug)}) is not a plug for {country.name}'s sockets (types "
                       f"{', '.join(country.plug_types)}){_plug_why(plug, country)}: fit {country.name}'s plug, or "
                       f"include a certified adapter and say so in the listing")
            result.items.append(ComplianceItem(ELECTRICAL, requirement, message,
                                               "; ".join(s for s in (country.source, plug_sources) if s), ERROR))
            result.findings.append(Finding("compliance-plug", "error", message, "compliance"))
    # a plug means mains power, so a plug with no voltage asks for it too; a voltage cell that is no mains
    # figure ('DC 5V') or a plug cell that is no plug says something already, and a battery runs on its battery
    if rating is None and not product.voltage and (plug is not None or not product.plug and "battery" not in kinds):
        if plug is not None:
            message = (f"no rated voltage (电压) for a product with a mains plug ({plug.written}): give it (e.g. 120V "
                       f"or 100-240V) so it can be checked against {country.name}'s {country.mains}")
        else:
            message = (f"no rated voltage (电压): if it runs on mains power, give it (e.g. 220V or 100-240V) so it can "
                       f"be checked against {country.name}'s {country.mains}; if it runs on batteries, say so")
        result.items.append(ComplianceItem(ELECTRICAL, f"Rated voltage suits {country.name}'s mains "
                                                       f"({country.mains})", message, source, TO_DO))
        result.findings.append(Finding("compliance-voltage-missing", "warning", message, "compliance"))
    if rating is not None or plug is not None:
        return MAINS
    if product.voltage or product.plug:
        return STATED
    if "battery" in kinds:
        return BATTERY
    return UNKNOWN
