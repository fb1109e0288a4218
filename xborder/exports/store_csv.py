"""Shopify and WooCommerce product CSVs for the project's own-store markets."""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from xborder.catalog.model import Product
from xborder.errors import ConfigError
from xborder.files import OutputError, neutralize
from xborder.listing.model import Listing
from xborder.markets import Market
from xborder.listing.uploads import read_gtin, variant_stock
from xborder.pricing.quote import weight_in_kg
from xborder.values import plain

# Shopify's product CSV, current headers in order: Shopify Help Center, 'Using CSV files to import and export
# products', https://help.shopify.com/en/manual/products/import-export/using-csv (retrieved 2026-11-23)
SHOPIFY_HEADERS = [
    "Title", "URL handle", "Description", "Vendor", "Product category", "Type", "Tags",
    "Published on online store", "Status", "SKU", "Barcode", "Option1 name", "Option1 value", "Option1 Linked To",
    "Option2 name", "Option2 value", "Option2 Linked To", "Option3 name", "Option3 value", "Option3 Linked To",
    "Price", "Compare-at price", "Cost per item", "Charge tax", "Tax code", "Unit price total measure",
    "Unit price total measure unit", "Unit price base measure", "Unit price base measure unit", "Inventory tracker",
    "Inventory quantity", "Continue selling when out of stock", "Weight value (grams)", "Weight unit for display",
    "Requires shipping", "Fulfillment service", "Product image URL", "Image position", "Image alt text",
    "Variant image URL", "Gift card", "SEO title", "SEO description",
]
SEO_TITLE_CHARS = 70
SEO_DESCRIPTION_CHARS = 320


class CsvSink:
    """Rows written to a CSV (or tab-separated) file as they come, every cell neutralized: a big catalog's
    rows are never all held in memory."""

    def __init__(self, path: Path, header: list[str], delimiter: str = ","):
        self.path = Path(path)
        self.rows = 0
        try:
            self._handle = open(self.path, "w", encoding="utf-8", newline="")
        except OSError as error:
            raise OutputError(f"{path}: cannot write ({error.strerror})") from None
        self._writer = csv.writer(self._handle, delimiter=delimiter, lineterminator="\n")
        self._writer.writerow([neutralize(h) for h in header])

    def write(self, rows: list[list[object]]) -> None:
        for row in rows:
            self._writer.writerow(["" if v is None else neutralize(v if isinstance(v, str) else str(v)) for v in row])
        self.rows += len(rows)

    def close(self) -> None:
        self._handle.close()


def plain_text(text: str) -> str:
    """HTML as plain text: tags removed, entities (&amp;) turned back into characters, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def _short(text: str, limit: int) -> str:
    from xborder.listing.fit import fit_chars

    return fit_chars(" ".join(text.split()), limit)


def shopify_header(markets: list[Market]) -> list[str]:
    """Shopify's columns, then Included / Price / Compare-at price per store market, named after the store's
    Shopify Market (shopify_market, else the country's English name)."""
    kinds = ("Included", "Price", "Compare-at price")
    names = [m.store_market for m in markets]
    repeated = next((name for name in names if names.count(name) > 1), None)
    if repeated:
        keys = ", ".join(m.key for m in markets if m.store_market == repeated)
        raise ConfigError(f"markets {keys} would share the Shopify Market columns '{repeated}': give each its "
                          'own, e.g. [markets.KEY] shopify_market = "Europe"')
    return SHOPIFY_HEADERS + [f"{kind} / {name}" for name in names for kind in kinds]


def shopify_rows(markets: list[Market], listings: dict[str, Listing]) -> list[list[object]]:
    """One product's rows of the Shopify CSV: the first store market's text and price, then Price / <Market> per
    market. Variants are rows repeating the URL handle. Products start as drafts for the seller to review;
    the Vendor is the product's brand."""
    primary = markets[0]
    listing = listings.get(primary.key)
    if listing is None:
        return []
    rows: list[list[object]] = []
    product, quote = listing.product, listing.quote
    kg = weight_in_kg(product.gross_weight) or weight_in_kg(product.net_weight)
    grams = str(int((kg * 1000).to_integral_value())) if kg is not None else ""
    display = "lb" if primary.unit_system == "us" else "kg"
    option_names = [name for name, _ in listing.variants[0].options] if listing.variants else []
    gtin = read_gtin(product.barcode)  # a product's one barcode fits no variant of several; a wrong one, none
    barcode = gtin.code if gtin is not None and gtin.valid and len(listing.variants) == 1 else ""
    urls = listing.image_urls
    alt = _short(listing.text("title"), 120)
    for index, variant in enumerate(listing.variants):
        first = index == 0
        stock = variant_stock(listing, variant)
        row = dict.fromkeys(SHOPIFY_HEADERS, "")
        row.update({"URL handle": listing.handle, "SKU": variant.sku, "Price": plain(variant.price),
                    "Cost per item": plain(quote.landed.quantize(Decimal("0.01"))),
                    "Charge tax": "TRUE", "Inventory tracker": "shopify" if stock is not None else "",
                    "Inventory quantity": plain(stock.value) if stock is not None else "",
                    "Continue selling when out of stock": "DENY", "Weight value (grams)": grams,
                    "Weight unit for display": display, "Requires shipping": "TRUE",
                    "Fulfillment service": "manual", "Barcode": barcode})
        for number, (name, value) in enumerate(variant.options[:3], start=1):
            row[f"Option{number} value"] = value
            if first:
                row[f"Option{number} name"] = name
        if first:
            description = listing.text("description")
            row.update({"Title": listing.text("title"), "Description": description,
                        "Vendor": product.brand or "",
                        "Type": listing.category, "Tags": ", ".join(_tags(listing)),
                        "Published on online store": "FALSE", "Status": "draft", "Gift card": "FALSE",
                        "SEO title": _short(listing.text("title"), SEO_TITLE_CHARS),
                        "SEO description": _short(plain_text(description), SEO_DESCRIPTION_CHARS)})
            if urls:
                row.update({"Product image URL": urls[0], "Image position": "1", "Image alt text": alt})
        elif not option_names:
            continue
        values: list[object] = [row[h] for h in SHOPIFY_HEADERS]
        for market in markets:
            other = listings.get(market.key)
            twin = next((v for v in other.variants if v.sku == variant.sku), None) if other else None
            values += ["TRUE" if twin else "FALSE", plain(twin.price) if twin else "", ""]
        rows.append(values)
    # Shopify takes a product's further pictures as rows of their own with only the handle and the image columns
    for position, url in enumerate(urls[1:], start=2):
        image_row = dict.fromkeys(SHOPIFY_HEADERS, "")
        image_row.update({"URL handle": listing.handle, "Product image URL": url, "Image position": str(position),
                          "Image alt text": alt})
        rows.append([*(image_row[h] for h in SHOPIFY_HEADERS), *[""] * (3 * len(markets))])
    return rows


def _tags(listing: Listing) -> list[str]:
    tags = [t for t in listing.text("tags").split(", ") if t]
    return tags + ([listing.category] if listing.category and listing.category not in tags else [])


WOO_HEADERS = ["ID", "Type", "SKU", "Name", "Published", "Is featured?", "Visibility in catalog", "Short description",
               "Description", "Tax status", "Tax class", "In stock?", "Stock", "Weight (kg)", "Length (cm)",
               "Width (cm)", "Height (cm)", "Sale price", "Regular price", "Categories", "Tags", "Images", "Parent"]


def woo_header(max_options: int) -> list[str]:
    return WOO_HEADERS + [f"Attribute {n} {kind}" for n in range(1, max_options + 1)
                          for kind in ("name", "value(s)", "visible", "global")]


def woo_rows(listing: Listing, max_options: int) -> list[list[object]]:
    """One product's rows of WooCommerce's default product CSV: a simple product, or a variable product and its
    variations; max_options is the most options any product of the file has (its attribute columns)."""
    product = listing.product
    kg = weight_in_kg(product.gross_weight) or weight_in_kg(product.net_weight)
    size = product.package_size
    cm = _cm(size) if size else ["", "", ""]
    variable = len(listing.variants) > 1
    bullets = [b.text for b in listing.bullets]
    base = dict.fromkeys(WOO_HEADERS, "")
    base.update({"Name": listing.text("title"), "Published": "-1", "Is featured?": "0",
                 "Visibility in catalog": "visible", "Description": listing.text("description"),
                 "Short description": "\n".join(bullets), "Tax status": "taxable",
                 "In stock?": "1", "Stock": plain(product.stock.value) if product.stock else "",
                 "Weight (kg)": plain(kg.quantize(Decimal("0.001"))) if kg is not None else "",
                 "Length (cm)": cm[0], "Width (cm)": cm[1], "Height (cm)": cm[2],
                 "Categories": listing.category, "Tags": ", ".join(_tags(listing)),
                 "Images": ", ".join(listing.image_urls)})  # the first is the product's main picture
    parent = dict(base, Type="variable" if variable else "simple", SKU=product.sku)
    if not variable:
        parent["Regular price"] = plain(listing.quote.price)
    rows: list[list[object]] = [[*(parent[h] for h in WOO_HEADERS), *_attribute_columns(listing, max_options)]]
    if variable:
        for variant in listing.variants:
            child = dict.fromkeys(WOO_HEADERS, "")
            child.update({"Type": "variation", "SKU": variant.sku, "Name": listing.text("title"),
                          "Published": "1", "Tax status": "taxable", "Tax class": "parent", "In stock?": "1",
                          "Regular price": plain(variant.price), "Parent": product.sku})
            values = []
            for name, value in variant.options:
                values += [name, _woo_value(value), "", "1"]
            values += [""] * (4 * max_options - len(values))
            rows.append([*(child[h] for h in WOO_HEADERS), *values])
    return rows


def woo_max_options(products: Iterable[Product]) -> int:
    """How many option columns the WooCommerce file needs: the most option kinds (colour, size) of a product."""
    return max((bool(p.colors) + bool(p.sizes) for p in products), default=0)


def _attribute_columns(listing: Listing, width: int) -> list[str]:
    names: list[str] = []
    values: dict[str, list[str]] = {}
    for variant in listing.variants:
        for name, value in variant.options:
            if name not in values:
                names.append(name)
                values[name] = []
            if value not in values[name]:
                values[name].append(value)
    out = []
    for name in names:
        out += [name, ", ".join(_woo_value(value) for value in values[name]), "1", "1"]
    return out + [""] * (4 * width - len(out))


def _woo_value(value: str) -> str:
    """One attribute value as WooCommerce's importer reads it: it splits a cell at every comma except one written
    '\\,' (WC_Product_Importer::explode_values, WooCommerce 3.2+), so 'Groß, 40 cm' stays one value."""
    return value.replace(",", "\\,")


def _cm(size) -> list[str]:
    cm = size.in_cm()
    return ["", "", ""] if cm is None else [plain(side.quantize(Decimal("0.1"))) for side in cm]
