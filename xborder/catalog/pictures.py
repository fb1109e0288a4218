"""Product pictures: those a factory embedded in its quotation sheet (.xlsx / .xlsm) and image URLs in its 图片 column.

A workbook holds pictures two ways, both read here from the zip without any imaging library:

- anchored on the sheet (Excel, WPS, LibreOffice): the worksheet's relationships name a drawing
  (xl/drawings/drawingN.xml); each `xdr:twoCellAnchor` / `xdr:oneCellAnchor` there gives the cell its picture
  starts in (`xdr:from`, 0-based) and, through `a:blip r:embed` and the drawing's relationships, the picture's
  file (xl/media/…);
- WPS "cell images" (插入图片 → 嵌入单元格): the cell holds `=DISPIMG("ID_…",1)`; xl/cellimages.xml names each
  picture by that ID and its relationships give the file. The formula is only in the sheet's XML (a reader such
  as calamine gives the value WPS saved), so the sheet's XML is scanned for it.

Pictures are kept as references (the zip member's name) with their pixel size, read from the first bytes of the
picture; the bytes themselves are read only when a build writes them (xborder.listing.images). A workbook with
no drawing and no cellimages.xml costs one look at the zip's list of names.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from xborder.catalog.cells import to_text
from xborder.catalog.model import ColumnMapping, Problem, Product, ProductImage
from xborder.catalog.sources import SheetGrid

MAX_PICTURE_BYTES = 20 * 2**20  # a picture bigger than this (unpacked) is no product photo a marketplace takes
MAX_PART_BYTES = 64 * 2**20  # a drawing or relationships part bigger than this is not read
_HEAD_BYTES = 4096  # enough for the size of a PNG, GIF, BMP or WebP and of most JPEGs; only this is unpacked
_JPEG_HEAD_BYTES = 2 * 2**20  # a JPEG's size comes after its EXIF block, which may hold a thumbnail
WORKBOOK_PICTURES = {".xlsx", ".xlsm"}  # .xls, .xlsb and .ods keep pictures in other ways, not read

_DRAWING = "/drawing"  # the relationship type's last part
_CELL_IMAGES = "xl/cellimages.xml"
_DISPIMG = re.compile(rb'DISPIMG\(\s*(?:"|&quot;)([^"&<]{1,200})(?:"|&quot;)')
_CELL_OPEN = re.compile(rb"<(?:\w+:)?c\b[^>]*>")
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_DISPIMG_TEXT = re.compile(r"^=?\s*(?:_xlfn\.)?DISPIMG\(", re.IGNORECASE)
_URL_SEPARATORS = re.compile(r"[\s;,；，、]+")
_URL_EXTENSIONS = {"jpg": "jpg", "jpeg": "jpg", "png": "png", "gif": "gif", "webp": "webp", "bmp": "bmp"}


# pixel sizes ---------------------------------------------------------------------------------
def image_kind(data: bytes) -> str | None:
    """The picture format of these bytes as a file extension ('png', 'jpg', 'gif', 'webp', 'bmp'), from the
    signature; None for anything else (EMF, WMF, TIFF …)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"BM") and len(data) >= 18:
        return "bmp"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) in pixels from a PNG, JPEG (its SOF marker), GIF, WebP (VP8, VP8L, VP8X) or BMP header;
    None when the bytes are none of these or are cut before the size."""
    kind = image_kind(data)
    size: tuple[int, int] | None
    try:
        if kind == "png" and data[12:16] == b"IHDR":
            size = _pair(">II", data[16:24])
        elif kind == "gif":
            size = _pair("<HH", data[6:10])
        elif kind == "bmp":
            header = struct.unpack("<I", data[14:18])[0]
            if header == 12:  # BITMAPCOREHEADER (OS/2): 16-bit sides
                size = _pair("<HH", data[18:22])
            else:
                width, height = _pair("<ii", data[18:26])
                size = (abs(width), abs(height))  # a negative height is a top-down bitmap
        elif kind == "webp":
            size = _webp_size(data)
        elif kind == "jpg":
            size = _jpeg_size(data)
        else:
            return None
    except struct.error:  # the header is cut short
        return None
    if size is None or not size[0] or not size[1]:
        return None
    return int(size[0]), int(size[1])


def _pair(layout: str, data: bytes) -> tuple[int, int]:
    first, second = struct.unpack(layout, data)
    return int(first), int(second)


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":  # lossy: the key frame's start code, then 14-bit sides
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and data[20:21] == b"\x2f":  # lossless: 14 bits each of width - 1 and height - 1
        b0, b1, b2, b3 = data[21:25]
        return 1 + (b0 | (b1 & 0x3F) << 8), 1 + ((b1 >> 6) | (b2 << 2) | (b3 & 0x0F) << 10)
    if chunk == b"VP8X" and len(data) >= 30:  # extended: 24 bits each of canvas width - 1 and height - 1
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    return None


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walk the JPEG's marker segments to the first start-of-frame, which holds height then width."""
    index = 2
    while index + 4 <= len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            index += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or the scan began before any frame header
            return None
        length = struct.unpack(">H", data[index + 2:index + 4])[0]
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[index + 5:index + 9])
            return width, height
        index += 2 + length
    return None


# the workbook's pictures ---------------------------------------------------------------------
@dataclass(frozen=True)
class PlacedPicture:
    """A picture and where it sits: its sheet row (1-based), and a key that orders the pictures of one row left to
    right by column, then top to bottom."""

    row: int
    order: tuple[int, int, int, int]  # (column, offset from the cell's top, offset from its left, document order)
    image: ProductImage


@dataclass
class SheetPictures:
    """The pictures of one sheet by row, and what could not be read (warnings)."""

    by_row: dict[int, list[PlacedPicture]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, placed: PlacedPicture) -> None:
        self.by_row.setdefault(placed.row, []).append(placed)

    def __len__(self) -> int:
        return sum(len(items) for items in self.by_row.values())


def _parser():
    from lxml import etree

    # a workbook is outside input: no entity expansion (billion laughs), no network, no huge-tree mode
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           remove_comments=True, remove_pis=True)


def _local(tag: object) -> str:
    """An element's or attribute's name without its namespace: Strict OOXML and the transitional namespaces
    name the same parts differently."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _attribute(element, name: str) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) == name:
            return str(value)  # lxml attribute values are str
    return None


def _resolve(base: str, target: str) -> str:
    """A relationship target as a zip member name: relative to the part's folder, or absolute from the root."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


class _Reader:
    """One workbook's pictures for one sheet."""

    def __init__(self, archive: zipfile.ZipFile, file: str, sheet: str):
        self.archive, self.file, self.sheet = archive, file, sheet
        self.members = {info.filename: info for info in archive.infolist()}
        self.result = SheetPictures()
        self.sizes: dict[str, tuple[str, tuple[int, int] | None] | None] = {}  # member → (ext, size) | None
        self.parser = _parser()
        self.count = 0

    def warn(self, code: str, message: str, row: int | None = None) -> None:
        self.result.problems.append(Problem("warning", code, message, self.file, self.sheet, row))

    def xml(self, member: str):
        """A part parsed safely, or None when it is missing, too big or not XML."""
        from lxml import etree

        info = self.members.get(member)
        if info is None:
            return None
        if info.file_size > MAX_PART_BYTES:
            self.warn("pictures-unreadable", f"{member} unpacks to {info.file_size / 2**20:,.0f} MB; its pictures "
                      "are not read")
            return None
        try:
            return etree.fromstring(self.archive.read(info), self.parser)
        except (etree.LxmlError, ValueError, zipfile.BadZipFile, OSError, EOFError) as error:
            self.warn("pictures-unreadable", f"{member} cannot be read ({str(error)[:80]}); its pictures are "
                      "left out")
            return None

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """A part's relationships: id → (type, zip member); external targets (links) are left out."""
        root = self.xml(_rels_name(part))
        out = {}
        for element in root.iter() if root is not None else ():
            if _local(element.tag) != "Relationship" or element.get("TargetMode") == "External":
                continue
            target = element.get("Target")
            if element.get("Id") and target:
                out[element.get("Id")] = (element.get("Type") or "", _resolve(part, target))
        return out

    def read(self) -> SheetPictures:
        drawings = any(name.startswith("xl/drawings/") for name in self.members)
        cell_images = _CELL_IMAGES in self.members
        if not drawings and not cell_images:
            return self.result  # no picture anywhere in the workbook: nothing else is read
        part = self.sheet_part()
        if part is None:
            return self.result
        if drawings:
            for kind, target in self.rels(part).values():
                if kind.endswith(_DRAWING):
                    self.read_drawing(target)
        if cell_images:
            self.read_cell_images(part)
        for items in self.result.by_row.values():
            items.sort(key=lambda placed: placed.order)
        return self.result

    def sheet_part(self) -> str | None:
        """The zip member of the sheet's XML, through xl/workbook.xml and its relationships."""
        workbook = self.xml("xl/workbook.xml")
        if workbook is None:
            return None
        rid = next((_attribute(element, "id") for element in workbook.iter()
                    if _local(element.tag) == "sheet" and element.get("name") == self.sheet), None)
        found = self.rels("xl/workbook.xml").get(rid or "")
        return found[1] if found and found[1] in self.members else None

    def picture(self, member: str, source: str, row: int, where: str) -> ProductImage | None:
        """The record of one embedded picture; None (with a warning) when it is missing, too big or not a photo
        format."""
        if member not in self.sizes:
            self.sizes[member] = self.probe(member, row, where)
        probed = self.sizes[member]
        if probed is None:
            return None
        ext, size = probed
        return ProductImage(source, member, ext, *(size or (None, None)))

    def probe(self, member: str, row: int, where: str) -> tuple[str, tuple[int, int] | None] | None:
        info = self.members.get(member)
        if info is None:
            self.warn("picture-missing", f"the picture {where} names {member}, which the workbook does not hold; "
                      "it is left out", row)
            return None
        if info.file_size > MAX_PICTURE_BYTES:
            self.warn("picture-too-large", f"the picture {where} ({posixpath.basename(member)}) is "
                      f"{info.file_size / 2**20:,.1f} MB, over {MAX_PICTURE_BYTES // 2**20} MB; it is left out: "
                      "use a smaller file", row)
            return None
        try:
            with self.archive.open(info) as handle:
                head = handle.read(_HEAD_BYTES)
                kind = image_kind(head)
                size = image_size(head)
                while kind == "jpg" and size is None and len(head) < _JPEG_HEAD_BYTES:
                    more = handle.read(64 * 1024)
                    if not more:
                        break
                    head += more
                    size = image_size(head)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as error:  # RuntimeError: an encrypted member
            self.warn("picture-unreadable", f"the picture {where} ({posixpath.basename(member)}) cannot be read "
                      f"({str(error)[:80]}); it is left out", row)
            return None
        if kind is None:
            shown = posixpath.splitext(member)[1].lstrip(".").upper() or "unknown"
            self.warn("picture-format", f"the picture {where} ({posixpath.basename(member)}) is {shown}, not a "
                      "JPEG, PNG, GIF, WebP or BMP photo a marketplace takes; it is left out", row)
            return None
        return kind, size

    def place(self, row: int, column: int, offsets: tuple[int, int], image: ProductImage) -> None:
        self.count += 1
        self.result.add(PlacedPicture(row, (column, offsets[0], offsets[1], self.count), image))

    def read_drawing(self, part: str) -> None:
        root = self.xml(part)
        if root is None:
            return
        targets = self.rels(part)
        for anchor in root.iter():
            if _local(anchor.tag) not in ("twoCellAnchor", "oneCellAnchor"):
                continue
            if any(_local(up.tag) == "Fallback" for up in anchor.iterancestors()):
                continue  # mc:AlternateContent repeats its shapes for older readers
            start = next((child for child in anchor if _local(child.tag) == "from"), None)
            cell = {_local(child.tag): (child.text or "").strip() for child in start} if start is not None else {}
            if not (cell.get("row", "").isdigit() and cell.get("col", "").isdigit()):
                continue
            # A picture belongs to the row its top-left corner is in, not the row of its centre: that is the cell
            # Excel and WPS anchor an inserted picture to and move it with, a picture dropped into a row and
            # overflowing the row below stays with its product, and no row heights need reading.
            row, column = int(cell["row"]) + 1, int(cell["col"])
            offsets = (_int(cell.get("rowOff")), _int(cell.get("colOff")))
            for pic in anchor.iter():
                if _local(pic.tag) != "pic":
                    continue
                blip = next((e for e in pic.iter() if _local(e.tag) == "blip"), None)
                rid = _attribute(blip, "embed") if blip is not None else None
                found = targets.get(rid or "")
                if found is None:
                    continue  # a linked (not embedded) picture, or a shape without one
                image = self.picture(found[1], "drawing", row, f"on row {row}")
                if image is not None:
                    self.place(row, column, offsets, image)

    def read_cell_images(self, sheet_part: str) -> None:
        root = self.xml(_CELL_IMAGES)
        if root is None:
            return
        targets = self.rels(_CELL_IMAGES)
        named: dict[str, str] = {}  # DISPIMG id → zip member
        for pic in root.iter():
            if _local(pic.tag) != "pic":
                continue
            names = [e.get("name") for e in pic.iter() if _local(e.tag) == "cNvPr"]
            blip = next((e for e in pic.iter() if _local(e.tag) == "blip"), None)
            found = targets.get((_attribute(blip, "embed") if blip is not None else None) or "")
            if names and names[0] and found is not None:
                named[names[0]] = found[1]
        if not named:
            return
        with self.archive.open(self.members[sheet_part]) as handle:
            cells = _dispimg_cells(handle)
        for (row, column), image_id in sorted(cells.items()):
            member = named.get(image_id)
            label = f"in cell {_letters(column)}{row}"
            if member is None:
                self.warn("picture-missing", f"the cell image {label} ({image_id}) is not in xl/cellimages.xml; "
                          "it is left out", row)
                continue
            image = self.picture(member, "cell-image", row, label)
            if image is not None:
                self.place(row, column, (0, 0), image)


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


def _letters(column: int) -> str:
    """0-based column number → 'A', 'B' … 'AA'."""
    out = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number - 1


def _dispimg_cells(handle: IO[bytes]) -> dict[tuple[int, int], str]:
    """(row, 0-based column) → DISPIMG id of every cell whose formula (or saved value) shows a WPS cell image.
    Read in chunks cut after a row's end, so a cell is never split; only the text around each DISPIMG is parsed."""
    found: dict[tuple[int, int], str] = {}
    tail = b""
    while True:
        chunk = handle.read(1 << 20)
        data = tail + chunk
        cut = max((at + len(end) for end in (b"</row>", b":row>") if (at := data.rfind(end)) >= 0), default=-1)
        if chunk and cut < 0 and len(data) < 16 * 2**20:
            tail = data  # a row longer than the chunk: read on to its end
            continue
        cut = len(data) if not chunk or cut < 0 else cut
        piece, tail = data[:cut], data[cut:]
        for match in _DISPIMG.finditer(piece):
            window = piece[max(0, match.start() - 4096):match.start()]
            opened = None
            for opened in _CELL_OPEN.finditer(window):
                pass
            ref = _CELL_REF.search(opened.group(0)) if opened is not None else None
            if ref is not None:  # WPS always writes the cell's reference
                key = (int(ref.group(2)), _column_number(ref.group(1)))
                found.setdefault(key, match.group(1).decode("utf-8", "replace"))
        if not chunk:
            return found


def read_pictures(path: Path, sheet: str) -> SheetPictures:
    """The pictures embedded in one sheet of an .xlsx/.xlsm workbook, by 1-based row, each row's left to right by
    column, then top to bottom. Other file types give none. What cannot be read is a warning, never an error: the
    catalog's text is still good."""
    result = SheetPictures()
    if path.suffix.lower() not in WORKBOOK_PICTURES:
        return result
    try:
        with zipfile.ZipFile(path) as archive:
            return _Reader(archive, str(path), sheet).read()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        result.problems.append(Problem("warning", "pictures-unreadable", f"the workbook's pictures cannot be read "
                                       f"({str(error)[:80]}); they are left out", str(path), sheet))
        return result


# image URLs ----------------------------------------------------------------------------------
def image_urls(text: str) -> tuple[list[str], list[str]]:
    """An image cell's web addresses (http and https, several split on line breaks, ; , and spaces) and what else
    it holds. A WPS cell image's formula (=DISPIMG(…)) is neither: its picture is read from the workbook."""
    text = text.strip()
    if not text or _DISPIMG_TEXT.match(text):
        return [], []
    urls: list[str] = []
    others: list[str] = []
    for token in _URL_SEPARATORS.split(text):
        if not token:
            continue
        parts = urlsplit(token)
        (urls if parts.scheme.lower() in ("http", "https") and parts.netloc else others).append(token)
    return list(dict.fromkeys(urls)), others


def url_image(url: str) -> ProductImage:
    """An image URL as a product image; its extension from the path when it names a picture format."""
    suffix = posixpath.splitext(urlsplit(url).path)[1].lstrip(".").lower()
    return ProductImage("url", url, _URL_EXTENSIONS.get(suffix, ""))


# products ------------------------------------------------------------------------------------
def attach_images(path: Path, grid: SheetGrid, products: Iterable[Product], column: ColumnMapping | None,
                  header_row: int) -> list[Problem]:
    """Give each product its rows' pictures (its own row's, then each merged variant row's) and the web addresses
    of its image column; returns the warnings (a picture that cannot be read, a non-URL image cell) and notes
    (a picture on a row that gives no product)."""
    sheet = None if grid.text else grid.name
    pictures = read_pictures(path, grid.name) if not grid.text else SheetPictures()
    problems = list(pictures.problems)
    if not len(pictures) and column is None:
        return problems
    used: set[int] = set()
    for product in products:
        images: list[ProductImage] = []
        for row in (product.row, *product.variant_rows):
            placed = list(pictures.by_row.get(row, ()))
            used.add(row)
            raw = grid.rows[row - 1][column.index] if column is not None and column.index < len(grid.rows[row - 1]) \
                else None
            urls, others = image_urls(to_text(raw))
            if others:
                shown = ", ".join(f"'{other[:60]}'" for other in others[:3])
                problems.append(Problem("warning", "image-url", f"{shown} is not a web address (http:// or https://); "
                                        "only image links can go to a marketplace, so it is left out",
                                        str(path), sheet, row, column.label if column else None))
            placed += [PlacedPicture(row, (column.index, 0, 0, 0), url_image(url)) for url in urls if column]
            placed.sort(key=lambda item: item.order)
            for item in placed:
                if item.image not in images:  # the same picture twice (one file anchored twice) is one picture
                    images.append(item.image)
        product.images = images
    for row in sorted(set(pictures.by_row) - used):
        if row > header_row:
            count = len(pictures.by_row[row])
            what = "a picture is" if count == 1 else f"{count} pictures are"
            problems.append(Problem("info", "picture-without-product", f"{what} on a row that gives no product "
                                    "(skipped or not a product row); left out", str(path), sheet, row))
    return problems
