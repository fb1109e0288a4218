"""Every output file of a build, written atomically into the output folder."""

from __future__ import annotations

import json
from pathlib import Path

from xborder.files import write_text
from xborder.listing.export_csv import write_amazon, write_shopify, write_woocommerce
from xborder.listing.export_xlsx import write_workbook
from xborder.listing.model import SCHEMA_VERSION
from xborder.markets import Market
from xborder.translate.xliff import write_xliff


def dumps(payload: object) -> str:
    """JSON as every export writes it: UTF-8 text, sorted keys, two-space indent, final newline."""
    return json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def market_json(market: Market, listings) -> dict:
    """The per-market JSON export (schema_version 1, see the README)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "market": {"key": market.key, "name": market.name, "platform": market.platform, "country": market.country,
                   "locale": market.locale, "language": market.language, "currency": market.currency},
        "listings": [item.to_json() for item in listings],
    }


def write_catalog_outputs(result, markets: list[Market]) -> list[Path]:
    """listings.xlsx, <market>.json, <market>-flatfile.txt for Amazon, shopify.csv and woocommerce.csv for
    store markets, pending.xlf."""
    out: Path = result.out
    files = []
    problems = result.catalog.problems
    workbook = out / "listings.xlsx"
    write_workbook(workbook, markets, result.listings, [p for p in problems if p.severity != "info"], "zh")
    files.append(workbook)
    for market in markets:
        path = out / f"{market.key}.json"
        write_text(path, dumps(market_json(market, result.listings.get(market.key, []))))
        files.append(path)
        if "amazon" in market.exports:
            path = out / f"{market.key}-flatfile.txt"
            write_amazon(path, market, result.listings.get(market.key, []))
            files.append(path)
    stores = [m for m in markets if "shopify" in m.exports]
    if stores:
        vendor = next((item.product.brand for items in result.listings.values() for item in items
                       if item.product.brand), "")
        path = out / "shopify.csv"
        write_shopify(path, stores, result.listings, vendor)
        files.append(path)
    woo = [m for m in markets if "woocommerce" in m.exports]
    if woo:
        path = out / "woocommerce.csv"
        write_woocommerce(path, woo[0], result.listings.get(woo[0].key, []))
        files.append(path)
    path = out / "pending.xlf"
    write_xliff(result.pending, path, languages=sorted({m.language for m in markets}))
    files.append(path)
    return files
