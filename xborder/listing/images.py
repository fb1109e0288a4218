"""Product pictures in a build: the file each embedded picture is written to (OUT/images/<sku>-<n>.<ext>), the web
address the upload files give it, and what a listing's pictures lack (none at all, smaller than the market takes).

The smallest picture each marketplace takes is data (data/images.toml). Pictures are copied as they are: xborder
never resizes or re-encodes one.
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

from xborder import data
from xborder.catalog.model import Product
from xborder.errors import InputError
from xborder.files import DiskFullError, OutputError, disk_full, full_message, name_hash, safe_name
from xborder.listing.model import Listing, ListingImage
from xborder.markets import Market
from xborder.findings import Finding

IMAGES_FOLDER = "images"  # in the output folder (of each catalog, when several are built)
FIELD = "upload"  # the field picture findings are reported on, with the other upload findings


@dataclass(frozen=True)
class ImageRule:
    """The smallest picture a platform takes: `minimum` px on the longest side or on both sides."""

    minimum: int
    side: str  # "longest" | "both"
    recommended: int = 0

    def too_small(self, width: int, height: int) -> bool:
        measured = max(width, height) if self.side == "longest" else min(width, height)
        return measured < self.minimum


@cache
def image_rules() -> dict[str, ImageRule]:
    """Each platform's (or market key's) picture minimum, from data/images.toml."""
    out = {}
    for name, table in data.load("images.toml")["sizes"].items():
        if table["side"] not in ("longest", "both"):  # a data file out of step with the code: caught by the tests
            raise KeyError(f"images.toml [sizes.{name}]: side must be 'longest' or 'both'")
        out[name] = ImageRule(int(table["minimum"]), table["side"], int(table.get("recommended", 0)))
    return out


def image_rule(market: Market) -> ImageRule | None:
    """The market's picture minimum: its key's, else its platform's; None when none is known."""
    rules = image_rules()
    return rules.get(market.key) or rules.get(market.platform)


def image_stem(sku: str) -> str:
    """A SKU as the start of a file name: the file-safe name, with a short hash when making it safe changed it,
    so 'A/1' and 'A 1' (both 'A-1') never share a file."""
    stem = safe_name(sku)
    return stem if stem == sku else f"{stem}-{hashlib.sha1(sku.encode('utf-8')).hexdigest()[:6]}"


def listing_images(product: Product, base_url: str = "") -> list[ListingImage]:
    """The product's pictures as a listing shows them: each embedded picture's file (images/<sku>-<n>.<ext>,
    numbered from 1 in order) and, with a base URL, its web address; a catalog URL keeps its own."""
    out = []
    number = 0
    stem = image_stem(product.sku)
    for image in product.images:
        if not image.embedded:
            out.append(ListingImage(image, None, image.ref))
            continue
        number += 1
        name = f"{stem}-{number}.{image.ext}"
        out.append(ListingImage(image, f"{IMAGES_FOLDER}/{name}", base_url + IMAGES_FOLDER + "/" + quote(name)
                                if base_url else None))
    return out


def image_findings(listing: Listing) -> list[Finding]:
    """What the listing's pictures lack: any picture at all (upload-image), a web address the upload files can
    name (upload-image-url), the market's minimum size (image-size, per picture)."""
    market = listing.market
    if not listing.images:
        return [Finding("upload-image", "warning", "no picture: the catalog row has no embedded picture and no "
                        "image URL; every marketplace needs at least one (add pictures to the row, or an 图片 "
                        "column with their web addresses)", FIELD)]
    found = []
    unnamed = [image.file for image in listing.images if image.url is None and image.file]
    if unnamed and any(export != "json" for export in market.exports):
        found.append(Finding("upload-image-url", "warning", (
            f"{len(unnamed)} picture{'s are' if len(unnamed) > 1 else ' is'} in {IMAGES_FOLDER}/ but no upload file "
            "names them: upload that folder's files and set [project] image_base_url to their web address"), FIELD))
    rule = image_rule(market)
    if rule is None or not rule.minimum:
        return found
    for image in listing.images:
        width, height = image.image.width, image.image.height
        if image.file and width and height and rule.too_small(width, height):
            where = "on the longest side" if rule.side == "longest" else "on each side"
            also = f" ({rule.recommended} px recommended)" if rule.recommended > rule.minimum else ""
            found.append(Finding("image-size", "warning", (
                f"{image.file} is {width}×{height} px; {market.name} takes pictures of at least {rule.minimum} px "
                f"{where}{also}: ask the factory for a bigger original (xborder never enlarges a picture)"), FIELD,
                term=image.file))
    return found


class ImageFiles:
    """Embedded pictures copied from the catalog workbooks into OUT/images/, one product at a time, each file
    streamed from the zip: a catalog's pictures are never all in memory."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.written = 0
        self._archives: dict[str, zipfile.ZipFile] = {}
        self._names: set[str] = set()  # files written in this run, case folded

    @property
    def folder(self) -> Path:
        return self.out / IMAGES_FOLDER

    def add(self, product: Product, images: list[ListingImage], listings: Iterable[Listing] = ()) -> None:
        """Write the product's embedded pictures to the files its listings name. A name already written in this
        run (two SKUs that differ only in letter case, which Windows and macOS do not tell apart) is never
        overwritten: the picture gets a stable suffix from its SKU, the product's `listings` name the new file,
        and each gets an `image-file` finding."""
        listings = list(listings)
        for index, item in enumerate(images):
            if item.file is None:
                continue
            if item.file.casefold() in self._names:
                item = self._rename(product, index, item, listings)
            self._names.add(item.file.casefold())  # type: ignore[union-attr]
            target = self.out / item.file  # type: ignore[operator]
            try:
                source = self._archive(product.file).open(item.image.ref)
                with source:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with open(target, "xb") as handle:  # never over a file written before
                        shutil.copyfileobj(source, handle, 1 << 20)
            except (zipfile.BadZipFile, KeyError, EOFError, RuntimeError, FileNotFoundError) as error:
                raise InputError(f"the picture {item.image.ref} cannot be read any more ({str(error)[:80]}); was the "
                                 "workbook changed during the build?", file=product.file, sheet=product.sheet,
                                 row=product.row) from None
            except OSError as error:
                if disk_full(error):
                    raise DiskFullError(full_message(target.parent)) from None
                raise OutputError(f"{target}: cannot write ({error.strerror})") from None
            self.written += 1

    def _rename(self, product: Product, index: int, item: ListingImage, listings: list[Listing]) -> ListingImage:
        old = item.file or ""
        stem, _, ext = old.rpartition(".")
        number = 1
        name = f"{stem}-{name_hash(product.sku)}.{ext}"
        while name.casefold() in self._names:
            number += 1
            name = f"{stem}-{name_hash(product.sku)}-{number}.{ext}"
        old_url = quote(old.split("/", 1)[-1])
        url = item.url[:-len(old_url)] + quote(name.split("/", 1)[-1]) \
            if item.url and item.url.endswith(old_url) else item.url
        renamed = ListingImage(item.image, name, url)
        for listing in listings:
            if index < len(listing.images) and listing.images[index].file == old:
                listing.images[index] = renamed
                listing.findings.append(Finding(
                    "image-file", "warning", f"{old} is another SKU's picture file (the names differ only in letter "
                    f"case); this picture is written as {name}", FIELD, term=name))
        return renamed

    def _archive(self, file: str) -> zipfile.ZipFile:
        if file not in self._archives:
            self._archives[file] = zipfile.ZipFile(file)
        return self._archives[file]

    def close(self) -> None:
        for archive in self._archives.values():
            archive.close()
        self._archives = {}
