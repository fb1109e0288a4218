"""Marketplace bulk-upload files: their columns (data/upload_templates.toml), what fills each cell, and what a
listing lacks to upload as it is (findings put on the listing when it is composed).

A template's `columns` pair a header with a value name; VALUES says what each value name writes for one row
(a variant, or Amazon's parent row). CHECKS says what each check name finds missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache

import babel

from xborder import data
from xborder.catalog.model import Product
from xborder.listing.images import image_findings
from xborder.listing.model import Listing, Variant
from xborder.markets import Market
from xborder.pricing.quote import origin_country, unit_weight
from xborder.findings import Finding
from xborder.values import CM_PER, KG_PER, Quantity

FIELD = "upload"  # the field upload findings are reported on


@dataclass(frozen=True)
class Template:
    """One platform's bulk-upload file: its name, format, how variants are laid out, columns and checks."""

    name: str
    label: str  # "Amazon flat file": what findings call it
    file: str  # "{market}-upload.xlsx"
    format: str  # "tsv" | "xlsx"
    variations: str  # "parent": a parent row then child rows (Amazon) | "rows": one row per variant
    columns: tuple[tuple[str, str], ...]  # (header, value name)
    checks: tuple[tuple[str, str], ...]  # (check name, severity)
    unconfirmed: tuple[str, ...] = ()

    def file_name(self, market: Market) -> str:
        return self.file.format(market=market.key)

    def headers(self, market: Market) -> list[str]:
        """The column names, in the market's units where a header names one."""
        us = market.unit_system == "us"
        return [header.format(weight_unit="lb" if us else "kg", length_unit="inch" if us else "cm")
                for header, _ in self.columns]


@cache
def templates() -> dict[str, Template]:
    """Every upload template by export name (the names a market's `exports` may list)."""
    out = {}
    for name, table in data.load("upload_templates.toml")["templates"].items():
        columns = tuple((str(header), str(value)) for header, value in table["columns"])
        unknown = [value for _, value in columns if value not in VALUES]
        if unknown:  # a data file out of step with the code: a bug, caught by the tests
            raise KeyError(f"upload_templates.toml [{name}]: unknown value '{unknown[0]}'")
        out[name] = Template(name, table["label"], table["file"], table["format"], table["variations"], columns,
                             tuple(table.get("checks", {}).items()), tuple(table.get("unconfirmed", ())))
    return out


def market_templates(market: Market) -> list[Template]:
    """The upload files a market's exports ask for."""
    known = templates()
    return [known[name] for name in market.exports if name in known]


# barcodes -------------------------------------------------------------------------------------
_GTIN_KINDS = {8: "EAN", 12: "UPC", 13: "EAN", 14: "GTIN"}  # EAN-8, UPC-A, EAN-13, GTIN-14


@dataclass(frozen=True)
class Gtin:
    """A product's barcode read as a GTIN: its digits, kind (UPC, EAN, GTIN) and what is wrong with it."""

    code: str
    kind: str
    problem: str = ""

    @property
    def valid(self) -> bool:
        return not self.problem


def check_digit(body: str) -> int:
    """The GS1 check digit of a GTIN's digits before it: weights 3, 1, 3 … from the right."""
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def read_gtin(text: str | None) -> Gtin | None:
    """A barcode cell as a GTIN; None when empty. Spaces and dashes are ignored; a wrong length or check digit
    is the Gtin's problem."""
    code = re.sub(r"[\s\-]", "", text or "")
    if not code:
        return None
    if code.endswith(".0"):  # a number cell read as a float
        code = code[:-2]
    if len(code) == 11 and code.isdigit():  # a UPC in a number cell loses its leading 0 (which adds nothing)
        code = "0" + code
    if not code.isdigit() or len(code) not in _GTIN_KINDS:
        return Gtin(code, "", f"barcode '{text}' is not a GTIN (8, 12, 13 or 14 digits)")
    expected = check_digit(code[:-1])
    if int(code[-1]) != expected:
        return Gtin(code, _GTIN_KINDS[len(code)], f"barcode {code}: the check digit should be {expected}, not "
                                                  f"{code[-1]}: a digit was mistyped or the cell lost one")
    return Gtin(code, _GTIN_KINDS[len(code)])


# Amazon product types ------------------------------------------------------------------------
@cache
def _type_words() -> list[tuple[str, re.Pattern[str] | None, str]]:
    """(word, pattern for an English word else None, product type) from data/amazon_product_types.toml."""
    out = []
    for kind, table in data.load("amazon_product_types.toml")["types"].items():
        for word in table["match"]:
            word = str(word).casefold()
            pattern = re.compile(rf"\b{re.escape(word)}\b") if word.isascii() else None
            out.append((word, pattern, kind))
    return out


def amazon_product_type(product: Product, market: Market) -> str:
    """feed_product_type: the project's [markets.KEY.product_types] for the SKU or category, else the bundled
    mapping's longest word found in the category, name or English name; '' when none matches."""
    chosen = dict(market.product_types)
    found = chosen.get(product.sku) or (chosen.get(product.category) if product.category else None)
    if found:
        return found
    return _type_in(" ".join(t for t in (product.category, product.name, product.name_en) if t).casefold())


@lru_cache(maxsize=4096)  # asked once per variant row, and a catalog repeats its categories
def _type_in(text: str) -> str:
    matches = [(len(word), kind) for word, pattern, kind in _type_words()
               if (pattern.search(text) if pattern else word in text)]
    return max(matches)[1] if matches else ""


# findings ------------------------------------------------------------------------------------
def _brand(listing: Listing, template: Template) -> str:
    return "" if listing.product.brand else \
        f"no brand for the {template.label}: add a 品牌 column or [project] brand in xborder.toml"


def _stock(listing: Listing, template: Template) -> str:
    if any(variant_stock(listing, v) is None for v in listing.variants):
        if len(listing.variants) > 1 and listing.product.stock is not None:
            return (f"stock is given for the product, not per variant: the {template.label}'s quantities are left "
                    "empty (copying it to every variant would sell more than there is); give each variant its own "
                    "row with its 库存")
        return f"no stock: the {template.label}'s quantity is left empty; add a 库存 column"
    return ""


def variant_stock(listing: Listing, variant: Variant) -> Quantity | None:
    """How many of one variant are in stock, as far as the catalog says (never the product's total repeated)."""
    return listing.product.variant_stock_for(dict(variant.source_options))


def _gtin(listing: Listing, template: Template) -> str:
    if listing.product.barcode:
        return ""
    if template.name == "amazon":
        return "no barcode: apply for a GTIN exemption for the brand in Seller Central, or add barcodes (条码 column)"
    return f"no barcode: the {template.label}'s GTIN is left empty; add a 条码 column if the category asks for one"


def _product_type(listing: Listing, template: Template) -> str:
    if amazon_product_type(listing.product, listing.market):
        return ""
    key = listing.product.category or listing.product.sku
    return (f"no Amazon product type (feed_product_type) for '{key}': set [markets.{listing.market.key}."
            f'product_types] "{key}" = "…" from your category template\'s Valid Values')


def _package(listing: Listing, template: Template) -> str:
    missing = [what for what, value in (("weight", package_weight_kg(listing)),
                                        ("package size", listing.product.package_size)) if value is None]
    return f"no {' or '.join(missing)}: the {template.label} needs the packed weight and package size " \
           "(毛重 and 包装尺寸 columns)" if missing else ""


CHECKS: dict[str, Callable[[Listing, Template], str]] = {
    "brand": _brand, "stock": _stock, "gtin": _gtin, "product_type": _product_type, "package": _package}


def upload_findings(listing: Listing) -> list[Finding]:
    """What keeps the listing's upload files (its market's exports) from uploading as they are, its pictures'
    findings last (xborder.listing.images)."""
    found: dict[str, Finding] = {}
    for template in market_templates(listing.market):
        for check, severity in template.checks:
            message = CHECKS[check](listing, template)
            if message and not (check in found and found[check].severity == "error"):
                found[check] = Finding(f"upload-{check.replace('_', '-')}", severity, message, FIELD)
        gtin = read_gtin(listing.product.barcode)
        if gtin is not None and any(value == "gtin" for _, value in template.columns):
            if not gtin.valid:
                found["gtin"] = Finding("bad-barcode", "error", gtin.problem, FIELD)
            elif len(listing.variants) > 1:
                found["gtin"] = Finding("upload-gtin", "warning", (
                    f"one barcode for {len(listing.variants)} variants: each variant needs its own, so none is "
                    "written; give each its own barcode in the upload file"), FIELD)
    return list(found.values()) + image_findings(listing)


# cells ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One row of an upload file: a variant of a listing, or (variant None) Amazon's parent row."""

    listing: Listing
    variant: Variant | None
    group: int  # the product's number in the file: Shopee's Variation Integration No.

    @property
    def multi(self) -> bool:
        return len(self.listing.variants) > 1

    def option(self, kind: str) -> str:
        """The variant's localized value of one option kind ('colour', 'size')."""
        if self.variant is None:
            return ""
        return next((value for (key, _), (_, value) in zip(self.variant.source_options, self.variant.options)
                     if key == kind), "")

    def option_at(self, number: int, part: int) -> str:
        """The variant's number-th option's name (part 0) or value (part 1)."""
        options = self.variant.options if self.variant is not None else []
        return options[number - 1][part] if len(options) >= number else ""


_THEMES = {("colour",): "Color", ("size",): "Size", ("colour", "size"): "SizeColor"}
_LB_PER_KG = 1 / KG_PER["lb"]


def package_weight_kg(listing: Listing) -> Decimal | None:
    """One packed unit's weight in kg, as the price was worked out on (catalog, carton or [pricing.weights])."""
    return unit_weight(listing.product, listing.quote.settings)[0]


def _weight(row: Row, unit: str) -> Decimal | str:
    kg = package_weight_kg(row.listing)
    if kg is None:
        return ""
    return (kg * _LB_PER_KG if unit == "lb" else kg).quantize(Decimal("0.01"))


def _side(row: Row, index: int, unit: str) -> Decimal | str:
    size = row.listing.product.package_size
    cm = size.in_cm() if size else None
    if cm is None:
        return ""
    return (cm[index] / CM_PER["in"] if unit == "in" else cm[index]).quantize(Decimal("0.1"))


def _market_weight(row: Row) -> Decimal | str:
    return _weight(row, "lb" if row.listing.market.unit_system == "us" else "kg")


def _market_side(index: int) -> Callable[[Row], Decimal | str]:
    return lambda row: _side(row, index, "in" if row.listing.market.unit_system == "us" else "cm")


def _gtin_of(row: Row) -> Gtin | None:
    """The barcode written on a row: a valid one, on the row of a product's only variant."""
    gtin = read_gtin(row.listing.product.barcode)
    return gtin if gtin is not None and gtin.valid and row.variant is not None and not row.multi else None


def _price(row: Row) -> Decimal | str:
    return row.variant.price if row.variant is not None else ""


def _quantity(row: Row) -> Decimal | str:
    stock = variant_stock(row.listing, row.variant) if row.variant is not None else None
    return stock.value if stock is not None else ""


def _bullet(number: int) -> Callable[[Row], str]:
    def bullet(row: Row) -> str:
        bullets = row.listing.bullets
        return bullets[number - 1].text if len(bullets) >= number else ""
    return bullet


def _bullets_html(row: Row) -> str:
    items = "".join(f"<li>{_escape(b.text)}</li>" for b in row.listing.bullets)
    return f"<ul>{items}</ul>" if items else ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _image(number: int) -> Callable[[Row], str]:
    """The web address of the listing's number-th picture (1: the main one), '' when it has fewer."""
    def image(row: Row) -> str:
        urls = row.listing.image_urls
        return urls[number - 1] if len(urls) >= number else ""
    return image


def _origin_name(row: Row) -> str:
    return _english_territory(origin_country(row.listing.product, row.listing.quote.settings))


@lru_cache(maxsize=256)
def _english_territory(code: str) -> str:
    name: str = babel.Locale("en").territories.get(code, code)
    return name


def _theme(row: Row) -> str:
    variants = row.listing.variants
    return _THEMES.get(tuple(key for key, _ in variants[0].source_options), "") if row.multi else ""


Value = Callable[[Row], "str | Decimal"]
VALUES: dict[str, Value] = {
    "none": lambda row: "",
    "title": lambda row: row.listing.text("title"),
    "description": lambda row: row.listing.text("description"),
    "description_br": lambda row: row.listing.text("description").replace("\n", "<br>"),
    "keywords": lambda row: row.listing.text("keywords"),
    "category": lambda row: row.listing.category,
    "brand": lambda row: row.listing.product.brand or "",
    "manufacturer": lambda row: row.listing.product.manufacturer or "",
    "model": lambda row: row.listing.product.model or "",
    "image": _image(1),
    **{f"image_{n}": _image(n) for n in range(2, 10)},
    "images": lambda row: ", ".join(row.listing.image_urls),
    "product_type": lambda row: amazon_product_type(row.listing.product, row.listing.market),
    "sku": lambda row: row.variant.sku if row.variant is not None else row.listing.product.sku,
    "variant_sku": lambda row: row.variant.sku if row.variant is not None else "",
    "parent_sku": lambda row: row.listing.product.sku if row.multi and row.variant is not None else "",
    "parent_sku_always": lambda row: row.listing.product.sku,
    "parent_child": lambda row: ("child" if row.variant is not None else "parent") if row.multi else "",
    "relationship_type": lambda row: "Variation" if row.multi and row.variant is not None else "",
    "variation_theme": _theme,
    "variation_group": lambda row: str(row.group) if row.multi else "",
    "colour": lambda row: row.option("colour"),
    "size": lambda row: row.option("size"),
    "option1_name": lambda row: row.option_at(1, 0),
    "option1_value": lambda row: row.option_at(1, 1),
    "option2_name": lambda row: row.option_at(2, 0),
    "option2_value": lambda row: row.option_at(2, 1),
    "price": _price,
    "currency": lambda row: row.listing.market.currency,
    "quantity": _quantity,
    "gtin": lambda row: gtin.code if (gtin := _gtin_of(row)) else "",
    "gtin_type": lambda row: gtin.kind if (gtin := _gtin_of(row)) else "",
    "origin_name": _origin_name,
    "bullet1": _bullet(1), "bullet2": _bullet(2), "bullet3": _bullet(3), "bullet4": _bullet(4), "bullet5": _bullet(5),
    "bullets_html": _bullets_html,
    "package_weight": _market_weight,
    "package_length": _market_side(0), "package_width": _market_side(1), "package_height": _market_side(2),
    "package_weight_kg": lambda row: _weight(row, "kg"),
    "package_length_cm": lambda row: _side(row, 0, "cm"),
    "package_width_cm": lambda row: _side(row, 1, "cm"),
    "package_height_cm": lambda row: _side(row, 2, "cm"),
    "condition_new_es": lambda row: "Nuevo",
    "listing_type_classic_es": lambda row: "Clásica",
}


def upload_rows(template: Template, listing: Listing, group: int) -> list[list[str | Decimal]]:
    """One listing's rows of an upload file: one per variant, after a parent row where the template has them."""
    rows = [Row(listing, variant, group) for variant in listing.variants]
    if template.variations == "parent" and len(rows) > 1:
        rows.insert(0, Row(listing, None, group))
    values = [VALUES[name] for _, name in template.columns]
    return [[value(row) for value in values] for row in rows]
