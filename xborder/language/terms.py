"""Glossary terms in a catalog: which are covered, which lack a translation, which are new."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from xborder.catalog.model import Product
from xborder.language.glossary import Glossary, GlossaryEntry

# the product fields whose text is translated into listings
TEXT_FIELDS = ("name", "spec", "material", "selling_points", "description")


def product_texts(product: Product) -> list[tuple[str, str]]:
    """(field, text) pairs of a product's translatable text, one per selling point."""
    out = []
    for name in TEXT_FIELDS:
        value = getattr(product, name)
        for text in value if isinstance(value, list) else [value]:
            if text:
                out.append((name, text))
    for option in product.colors + product.sizes:
        out.append(("options", option))
    return out


@dataclass
class TermUse:
    """One glossary entry found in a catalog."""

    entry: GlossaryEntry
    skus: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # language tags without a translation

    def to_json(self) -> dict[str, Any]:
        return {"source": self.entry.source, "type": self.entry.type, "products": self.skus,
                "targets": {lang: list(forms) for lang, forms in self.entry.targets.items()},
                "missing": self.missing, "origin": self.entry.origin}


def glossary_coverage(products: list[Product], glossary: Glossary, langs: list[str]) -> list[TermUse]:
    """Every glossary term the catalog uses, with the language tags it has no translation for."""
    uses: dict[tuple[str, str], TermUse] = {}
    for product in products:
        for _, text in product_texts(product):
            for match in glossary.find(text):
                use = uses.setdefault(match.entry.key, TermUse(match.entry))
                if product.sku not in use.skus:
                    use.skus.append(product.sku)
    for use in uses.values():
        if use.entry.type == "term":
            use.missing = [lang for lang in langs if use.entry.target(lang) is None]
    return sorted(uses.values(), key=lambda u: (-len(u.skus), u.entry.source))


@dataclass(frozen=True)
class Candidate:
    """A term worth adding to the glossary, for a person to approve."""

    source: str
    type: str
    reason: str
    count: int
    example: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
# codes to keep as written: VDE, CAT III, 600V, 1000V, and 304 when it stands before Chinese (304不锈钢)
_CODE = re.compile(r"(?<![A-Za-z0-9.,])(?:[A-Z]{2,}(?:[ -]?[IVX]{1,4}\b)?|[A-Z]*\d+[A-Z]+\d*"
                   r"|\d{3,}(?=[\u3400-\u9fff]))(?![a-z])")
_SPLIT = re.compile(r"[\s/、,，;；+＋和与及]+")


def suggest_terms(products: list[Product], glossary: Glossary, min_count: int = 2) -> list[Candidate]:
    """Candidates not yet in the glossary: materials, repeated product nouns, codes to keep as written."""
    covered = {e.source for e in glossary}
    found: dict[tuple[str, str], Candidate] = {}

    def add(source: str, kind: str, reason: str, count: int, example: str) -> None:
        source = source.strip()
        if len(source) < 2 or source in covered or \
                sum(len(m.text) for m in glossary.find(source)) == len(source):  # made of known terms
            return
        key = (kind, source)
        if key not in found or found[key].count < count:
            found[key] = Candidate(source, kind, reason, count, example)

    # codes and standards: VDE, CAT III, 600V, 304 (before 不锈钢) → keep
    codes: Counter[str] = Counter()
    code_example: dict[str, str] = {}
    for product in products:
        for _, text in product_texts(product):
            for code in _CODE.findall(text):
                codes[code] += 1
                code_example.setdefault(code, product.sku)
    for code, n in codes.items():
        add(code, "keep", "model number, standard or code", n, code_example[code])

    # materials, one candidate per material named
    materials: Counter[str] = Counter()
    material_example: dict[str, str] = {}
    for product in products:
        for part in _SPLIT.split(product.material or ""):
            if _CJK_RUN.search(part):
                materials[part] += 1
                material_example.setdefault(part, product.sku)
    for material, n in materials.items():
        add(material, "term", "material", n, material_example[material])

    # product nouns: Chinese runs of 2–8 characters shared by several product names, longest kept
    grams: Counter[str] = Counter()
    gram_example: dict[str, str] = {}
    for product in products:
        seen = set()
        for run in _CJK_RUN.findall(product.name):
            for size in range(2, min(8, len(run)) + 1):
                for i in range(len(run) - size + 1):
                    seen.add(run[i:i + size])
        for gram in seen:
            grams[gram] += 1
            gram_example.setdefault(gram, product.sku)
    frequent = {g: n for g, n in grams.items() if n >= min_count}
    for gram, n in frequent.items():
        if any(gram != other and gram in other and frequent[other] == n for other in frequent):
            continue  # a longer run occurs just as often: suggest that one
        add(gram, "term", f"in {n} product names", n, gram_example[gram])
    return sorted(found.values(), key=lambda c: (c.type != "keep", -c.count, c.source))
