"""Every output file of a build, written as the listings arrive (a big catalog is never all in memory).

`CatalogWriter` takes one product's listings for every market at a time and appends them to
listings.xlsx, each market's JSON and upload files (Amazon's flat file, the bulk-upload sheets of TikTok Shop,
Shopee, Lazada and Mercado Libre), shopify.csv and woocommerce.csv, and copies the product's embedded pictures
into images/; pending.xlf is written when it closes.
A build writes into a staging folder that replaces --out whole (xborder.files.swap_in), so a file here is
never seen half-written.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol

from xborder.catalog.model import Problem, Product
from xborder.files import OutputError
from xborder.exports.store_csv import CsvSink, shopify_header, shopify_rows, woo_header, woo_max_options, woo_rows
from xborder.exports.upload import UploadFile, upload_file
from xborder.exports.review_workbook import ReviewWorkbook
from xborder.listing.images import ImageFiles
from xborder.listing.model import SCHEMA_VERSION, Listing
from xborder.listing.uploads import market_templates
from xborder.markets import Market
from xborder.language.xliff import PendingSegment, write_sorted_xliff, write_xliff


def dumps(payload: object) -> str:
    """JSON as the small exports write it: UTF-8 text, sorted keys, two-space indent, final newline."""
    return json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def dumps_line(payload: object) -> str:
    """One record on one line (sorted keys): the C encoder does it, which an indent would rule out."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)


def market_info(market: Market) -> dict[str, Any]:
    return {"key": market.key, "name": market.name, "platform": market.platform, "country": market.country,
            "locale": market.locale, "language": market.language, "currency": market.currency}


class MarketJson:
    """<market>.json written listing by listing: the market and schema version, and one listing per line."""

    def __init__(self, path: Path, market: Market):
        self.path = Path(path)
        self.market = market
        self.count = 0
        self._handle: IO[str] = _open(self.path)
        self._handle.write('{\n  "listings": [')

    def add(self, listing: Listing) -> None:
        self._handle.write(("\n    " if not self.count else ",\n    ") + dumps_line(listing.to_json()))
        self.count += 1

    def close(self) -> None:
        market = json.dumps(market_info(self.market), ensure_ascii=False, indent=2, sort_keys=True)
        self._handle.write(("\n  " if self.count else "") + '],\n  "market": ' + market.replace("\n", "\n  ")
                           + f',\n  "schema_version": {SCHEMA_VERSION}\n}}\n')
        self._handle.close()


def _open(path: Path) -> IO[str]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "w", encoding="utf-8", newline="")
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error.strerror})") from None


def field_names(markets: list[Market]) -> dict[str, list[str]]:
    """The listing fields each market's listings have (its review sheet's columns), from its limits."""
    from xborder.listing.compose import ListingComposer

    return {m.key: ListingComposer(m).field_names() for m in markets}


class PendingTexts:
    """Text left in the source language, once per text and language, with the listing that first used it.

    Kept in a temporary SQLite file rather than in RAM: a new factory's 100,000-product catalog leaves
    hundreds of thousands of texts pending, and pending.xlf is written from them in order, as a stream."""

    def __init__(self, source_lang: str):
        self.source_lang = source_lang
        # '' is SQLite's private temporary file, deleted when closed
        self._db = sqlite3.connect("", isolation_level=None)
        self._db.execute("CREATE TABLE pending (source TEXT, language TEXT, sku TEXT, market TEXT, draft TEXT, "
                         "PRIMARY KEY (language, source)) WITHOUT ROWID")
        self._db.execute("BEGIN")
        self._count = 0

    def add(self, listing: Listing, source: str, draft: str = "") -> None:
        """A segment still to translate; `draft` is the text shown meanwhile, for a translator to review."""
        added = self._db.execute("INSERT OR IGNORE INTO pending VALUES (?, ?, ?, ?, ?)",
                                 (source, listing.market.language, listing.product.sku, listing.market.key, draft))
        self._count += added.rowcount

    def __len__(self) -> int:
        return self._count

    def segments(self) -> Iterator[PendingSegment]:
        """The segments in pending.xlf's order (language, then source text), read as they are written."""
        self._db.execute("COMMIT")
        try:
            for source, language, sku, market, draft in self._db.execute(
                    "SELECT source, language, sku, market, draft FROM pending ORDER BY language, source"):
                yield PendingSegment(source, self.source_lang, language, f"{sku} ({market})", draft)
        finally:
            self._db.execute("BEGIN")

    def close(self) -> None:
        self._db.close()


class _Sink(Protocol):
    """An output file written as listings arrive; close() finishes it."""

    def close(self) -> None: ...


class CatalogWriter:
    """Every export of one catalog, fed one product at a time ({market key: listing}); close() writes
    pending.xlf and returns the files."""

    def __init__(self, out: Path, markets: list[Market], products: list[Product], problems: list[Problem],
                 source_lang: str = "zh", include_held: bool = False):
        self.out = Path(out)
        self.include_held = include_held  # else upload files carry only ready listings
        self.markets = markets
        self.source_lang = source_lang
        self.files: list[Path] = [self.out / "listings.xlsx"]
        self._closing: list[_Sink] = []
        self.workbook = ReviewWorkbook(self.files[0], markets, field_names(markets), source_lang,
                                       [p for p in problems if p.severity != "info"])
        self._closing.append(self.workbook)
        self.json: dict[str, MarketJson] = {}
        self.uploads: dict[str, list[UploadFile]] = {}  # by market key: its flat file, bulk-upload sheets
        for market in markets:
            self.json[market.key] = self._keep(MarketJson(self.out / f"{market.key}.json", market))
            self.uploads[market.key] = [self._keep(upload_file(self.out, market, template))
                                        for template in market_templates(market)]
        self.stores = [m for m in markets if "shopify" in m.exports]
        self.shopify = self._keep(CsvSink(self.out / "shopify.csv", shopify_header(self.stores))) \
            if self.stores else None
        woo = [m for m in markets if "woocommerce" in m.exports]
        self.woo_market = woo[0] if woo else None
        self.woo_width = woo_max_options(products)
        self.woo = self._keep(CsvSink(self.out / "woocommerce.csv", woo_header(self.woo_width))) if woo else None
        self.pending = PendingTexts(source_lang)
        self.images = ImageFiles(self.out)

    def uploadable(self, listing: Listing) -> bool:
        """Whether a listing goes into its market's upload files: a ready one, or any with include_held."""
        return self.include_held or listing.ready

    def _keep(self, sink):
        self._closing.append(sink)
        self.files.append(sink.path)
        return sink

    def add(self, listings: dict[str, Listing], pending: Iterable[tuple[Listing, str, str]] = ()) -> None:
        """One product's listings, by market key, and the segments they left to translate: (listing, source,
        draft), the draft '' for text still in the source language."""
        first = next(iter(listings.values()), None)
        if first is not None:  # a product's pictures are the same in every market: written once
            self.images.add(first.product, first.images, listings.values())
        for market in self.markets:
            listing = listings.get(market.key)
            if listing is None:
                continue
            self.workbook.add(listing)
            self.json[market.key].add(listing)
            if not self.uploadable(listing):
                continue
            for upload in self.uploads[market.key]:
                upload.add(listing)
            if self.woo is not None and market is self.woo_market:
                self.woo.write(woo_rows(listing, self.woo_width))
        stores = [listings[m.key] for m in self.stores if m.key in listings]
        # one Shopify product carries every store market's price: it goes in when all of them may
        if self.shopify is not None and stores and all(self.uploadable(listing) for listing in stores):
            self.shopify.write(shopify_rows(self.stores, listings))
        for listing, source, draft in pending:
            self.pending.add(listing, source, draft)

    def close(self, pending: list[PendingSegment] | None = None) -> list[Path]:
        """Finish every file; the XLIFF of pending text last (`pending`: these segments instead of those that
        came with the listings)."""
        for sink in self._closing:
            sink.close()
        self._closing = []
        self.images.close()
        if self.images.written and self.images.folder not in self.files:
            self.files.append(self.images.folder)  # the folder, not each of its maybe thousands of pictures
        path = self.out / "pending.xlf"
        if pending is None:
            write_sorted_xliff(self.pending.segments(), path, languages=sorted({m.language for m in self.markets}),
                               source_lang=self.source_lang)
        else:
            write_xliff(pending, path, languages=sorted({m.language for m in self.markets}),
                        source_lang=self.source_lang)
        self.pending.close()
        return self.files + [path]


def write_catalog_outputs(result, markets: list[Market], include_held: bool = False) -> list[Path]:
    """Every export of one catalog's listings, already made (the API's eager path; builds stream instead)."""
    writer = CatalogWriter(result.out, markets, result.catalog.products, result.catalog.problems,
                           include_held=include_held)
    by_sku = {key: {item.product.sku: item for item in items} for key, items in result.listings.items()}
    for product in result.catalog.products:
        found = {key: items[product.sku] for key, items in by_sku.items() if product.sku in items}
        if found:
            writer.add(found)
    return writer.close(result.pending)


