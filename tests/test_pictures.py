"""Product pictures: embedded in the factory's workbook (anchored on the sheet, or WPS cell images) or given as image
URLs, written by the build to images/<sku>-<n>.<ext>, named in the JSON and the upload files, and checked for size."""

from __future__ import annotations

import csv
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
import xlsxwriter
from openpyxl import load_workbook

from conftest import one_line_error, write_xlsx
from xborder.catalog import read_catalog
from xborder.catalog import pictures
from xborder.catalog.pictures import image_size, image_urls, read_pictures

FX = ("--fx-date", "2025-06-02")
BASE = "https://cdn.example.com/shop/"


# picture bytes, made here: only their headers matter to xborder (and to XlsxWriter, which measures them too)
def png(width: int, height: int, shade: int = 0) -> bytes:
    raw = b"".join(b"\x00" + bytes((shade, 90, 160)) * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg(width: int, height: int, exif: int = 0) -> bytes:
    """A JPEG's markers up to its frame header: JFIF, an optional APP1 block of `exif` bytes, then SOF0."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x01\x00\x48\x00\x48\x00\x00"
    app1 = b"\xff\xe1" + struct.pack(">H", exif + 2) + b"\x00" * exif if exif else b""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + app0 + app1 + sof + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x00" * 16 + b"\xff\xd9"


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00;"


def bmp(width: int, height: int) -> bytes:
    return b"BM" + struct.pack("<IHHI", 54, 0, 0, 54) + struct.pack("<IiiHH", 40, width, -height, 1, 24) + b"\x00" * 24


def webp(chunk: bytes, body: bytes) -> bytes:
    payload = b"WEBP" + chunk + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


def test_image_size_reads_each_format_header():
    assert image_size(png(640, 480)) == (640, 480)
    assert image_size(jpeg(1200, 900)) == (1200, 900)
    assert image_size(jpeg(800, 600, exif=30_000)) == (800, 600)  # the frame header after a big EXIF block
    assert image_size(gif(32, 16)) == (32, 16)
    assert image_size(bmp(300, 200)) == (300, 200)  # a negative height: a top-down bitmap
    lossy = b"\x00\x00\x00\x9d\x01\x2a" + struct.pack("<HH", 1024, 768)
    assert image_size(webp(b"VP8 ", lossy)) == (1024, 768)
    bits = (1000 - 1) | (750 - 1) << 14
    assert image_size(webp(b"VP8L", b"\x2f" + struct.pack("<I", bits))) == (1000, 750)
    assert image_size(webp(b"VP8X", b"\x00" * 4 + (2000 - 1).to_bytes(3, "little") + (1500 - 1).to_bytes(3, "little"))) \
        == (2000, 1500)
    assert image_size(png(640, 480)[:20]) is None  # cut before the size
    assert image_size(jpeg(800, 600)[:24]) is None
    assert image_size(b"\xd7\xcd\xc6\x9a" + b"\x00" * 40) is None  # a WMF
    assert image_size(b"") is None


def test_image_urls_keeps_web_addresses_and_names_the_rest():
    assert image_urls("https://a.example/1.jpg\nhttp://b.example/2.png; https://a.example/1.jpg") == (
        ["https://a.example/1.jpg", "http://b.example/2.png"], [])
    assert image_urls("见附件，https://a.example/3.jpg D:\\图片\\4.jpg") == (
        ["https://a.example/3.jpg"], ["见附件", "D:\\图片\\4.jpg"])
    assert image_urls('=DISPIMG("ID_0A1B",1)') == ([], [])  # a WPS cell image: read from the workbook
    assert image_urls("ftp://a.example/x.jpg") == ([], ["ftp://a.example/x.jpg"])


# workbooks ------------------------------------------------------------------------------------
HEADER = ["款号", "品名", "颜色", "出厂价", "毛重(kg)", "包装尺寸(cm)", "图片", "主图", "细节图"]


def workbook(path: Path, rows: list[list[object]], images: list[tuple[int, int, bytes, dict]]) -> Path:
    """An xlsx written by XlsxWriter: rows from A1, then pictures inserted at (0-based row, column) in the order
    given, each with XlsxWriter's options (x_offset, y_offset …)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("报价单")
    for number, row in enumerate(rows):
        for column, value in enumerate(row):
            if isinstance(value, str) and value.startswith("=DISPIMG"):
                sheet.write_formula(number, column, "_xlfn." + value[1:], None, value)  # as WPS saves it
            elif value is not None:
                sheet.write(number, column, value)
    for index, (row, column, data, options) in enumerate(images):
        sheet.insert_image(row, column, f"picture{index}.png", {"image_data": io.BytesIO(data), **options})
    book.close()
    return path


_CELL_IMAGE = ('<etc:cellImage><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="{n}" name="{name}" descr="x"/><xdr:cNvPicPr/>'
               '</xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rId{n}"/><a:stretch><a:fillRect/></a:stretch>'
               '</xdr:blipFill><xdr:spPr/></xdr:pic></etc:cellImage>')


def add_cell_images(path: Path, images: dict[str, tuple[str, bytes]]) -> Path:
    """Make a workbook a WPS one with cell images: xl/cellimages.xml naming each picture by its DISPIMG id, its
    relationships to xl/media, the content types, and the workbook's relationship to it."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    body = "".join(_CELL_IMAGE.format(n=n, name=name) for n, name in enumerate(images, start=1))
    parts["xl/cellimages.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<etc:cellImages '
        'xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        f'xmlns:etc="http://www.wps.cn/officeDocument/2017/etCustomData">{body}</etc:cellImages>').encode()
    rels = "".join(f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   f'relationships/image" Target="media/{file}"/>' for n, (file, _) in enumerate(images.values(), 1))
    parts["xl/_rels/cellimages.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
        f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>').encode()
    for file, data in images.values():
        parts[f"xl/media/{file}"] = data
    types = parts["[Content_Types].xml"].decode()
    for extension, kind in (("png", "image/png"), ("jpeg", "image/jpeg")):
        if f'Extension="{extension}"' not in types:
            types = types.replace("<Default ", f'<Default Extension="{extension}" ContentType="{kind}"/><Default ', 1)
    types = types.replace("</Types>", '<Override PartName="/xl/cellimages.xml" '
                                      'ContentType="application/vnd.wps-officedocument.cellimage+xml"/></Types>')
    parts["[Content_Types].xml"] = types.encode()
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId99" Type="http://www.wps.cn/officeDocument/2020/cellImage" '
                             b'Target="cellimages.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def project(tmp_path: Path, markets: list[str], base: str | None = BASE) -> None:
    line = f'image_base_url = "{base}"\n' if base else ""
    (tmp_path / "xborder.toml").write_text(f"[project]\nmarkets = {json.dumps(markets)}\nbrand = \"Lumi\"\n{line}",
                                           encoding="utf-8")


def listings(dist: Path, market: str) -> dict[str, dict]:
    return {item["sku"]: item for item in json.loads((dist / f"{market}.json").read_text("utf-8"))["listings"]}


def findings(dist: Path, check: str) -> list[dict]:
    report = json.loads((dist / "report.json").read_text("utf-8"))
    return [f for f in report["findings"] if f["check"] == check]


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


SIDE, FRONT, BACK, RED, CUP = png(1200, 1200, 1), png(1000, 800, 2), png(320, 240, 3), png(900, 900, 4), \
    jpeg(1600, 1200)


def drawings_catalog(tmp_path: Path) -> Path:
    """HF-1 with a URL and three pictures inserted out of order (two in one cell, one above the other), its red
    variant's row with one more, UM-2 with a JPEG, BX-3 with none."""
    return workbook(tmp_path / "c.xlsx", [
        HEADER,
        ["HF-1", "汉服", "蓝色", 88, 0.5, "30*20*5", "https://img.example.com/hf1.jpg", None, None],
        ["HF-1", "汉服", "红色", 88, 0.5, "30*20*5", None, None, None],
        ["UM-2", "晴雨伞", None, 25, 0.45, "30*7*7", None, None, None],
        ["BX-3", "收纳盒", None, 12, 0.3, "20*20*10", None, None, None],
    ], [
        (1, 8, BACK, {}),  # inserted first, but in the rightmost column
        (1, 7, FRONT, {"y_offset": 8}),  # the same cell as SIDE, lower down
        (1, 7, SIDE, {}),
        (2, 7, RED, {}),  # the variant row's
        (3, 7, CUP, {}),
    ])


def test_pictures_are_read_by_row_in_column_order_then_top_down(tmp_path):
    catalog = read_catalog(drawings_catalog(tmp_path))
    products = {p.sku: p for p in catalog.products}
    assert list(products) == ["HF-1", "UM-2", "BX-3"] and products["HF-1"].variant_rows == [3]
    images = products["HF-1"].images
    assert [(i.source, i.ext, i.width, i.height) for i in images] == [
        ("url", "jpg", None, None), ("drawing", "png", 1200, 1200), ("drawing", "png", 1000, 800),
        ("drawing", "png", 320, 240), ("drawing", "png", 900, 900)]
    with zipfile.ZipFile(tmp_path / "c.xlsx") as archive:  # references to the workbook's files, read when written
        assert [archive.read(i.ref) for i in images[1:]] == [SIDE, FRONT, BACK, RED]
    assert [(i.source, i.ext, i.width, i.height) for i in products["UM-2"].images] == [("drawing", "jpg", 1600, 1200)]
    assert products["BX-3"].images == []
    assert not [p for p in catalog.problems if p.severity == "warning"]


def test_the_build_writes_each_picture_and_names_it_in_the_json_and_every_upload_file(tmp_path, run_cli):
    drawings_catalog(tmp_path)
    project(tmp_path, ["amazon-us", "shopify", "tiktok-us", "mercadolibre-mx"])
    result = run_cli("build", "--include-held", "c.xlsx", *FX)
    assert result.exit_code in (0, 1), result.output
    dist = tmp_path / "dist"
    assert sorted(p.name for p in (dist / "images").iterdir()) == [
        "HF-1-1.png", "HF-1-2.png", "HF-1-3.png", "HF-1-4.png", "UM-2-1.jpg"]
    for name, data in (("HF-1-1.png", SIDE), ("HF-1-2.png", FRONT), ("HF-1-3.png", BACK), ("HF-1-4.png", RED),
                       ("UM-2-1.jpg", CUP)):
        assert (dist / "images" / name).read_bytes() == data  # copied as they are, never re-encoded

    us = listings(dist, "amazon-us")
    assert us["HF-1"]["images"][:2] == [
        {"file": None, "url": "https://img.example.com/hf1.jpg", "width": None, "height": None, "source": "url"},
        {"file": "images/HF-1-1.png", "url": BASE + "images/HF-1-1.png", "width": 1200, "height": 1200,
         "source": "drawing"}]
    assert [i["file"] for i in us["HF-1"]["images"]] == [None, "images/HF-1-1.png", "images/HF-1-2.png",
                                                         "images/HF-1-3.png", "images/HF-1-4.png"]
    assert us["BX-3"]["images"] == [] and listings(dist, "shopify")["UM-2"]["images"] == us["UM-2"]["images"]
    urls = ["https://img.example.com/hf1.jpg"] + [f"{BASE}images/HF-1-{n}.png" for n in range(1, 5)]

    flat = {r["item_sku"]: r for r in read_csv(dist / "amazon-us-flatfile.txt", "\t")}
    family = [r for r in flat.values() if r["item_sku"] == "HF-1" or r["parent_sku"] == "HF-1"]
    assert len(family) == 3  # the parent row and each colour's row carry the product's pictures
    for row in family:
        assert [row["main_image_url"]] + [row[f"other_image_url{n}"] for n in range(1, 5)] == urls
        assert row["other_image_url5"] == ""
    assert flat["UM-2"]["main_image_url"] == BASE + "images/UM-2-1.jpg" and flat["BX-3"]["main_image_url"] == ""

    shopify = read_csv(dist / "shopify.csv")
    hf1 = [r for r in shopify if r["URL handle"] == shopify[0]["URL handle"]]
    assert [(r["SKU"], r["Product image URL"], r["Image position"]) for r in hf1] == [
        (hf1[0]["SKU"], urls[0], "1"), (hf1[1]["SKU"], "", "")] + [("", url, str(n)) for n, url in enumerate(urls[1:], 2)]
    extra = hf1[2]  # an image row: only the handle and the image columns, as Shopify's CSV wants
    assert {k for k, v in extra.items() if v} == {"URL handle", "Product image URL", "Image position", "Image alt text"}
    woo = {r["SKU"]: r for r in read_csv(dist / "woocommerce.csv")}
    assert woo["HF-1"]["Images"] == ", ".join(urls) and woo["UM-2"]["Images"] == BASE + "images/UM-2-1.jpg"
    assert woo["BX-3"]["Images"] == ""

    tiktok = [list(r) for r in load_workbook(dist / "tiktok-us-upload.xlsx", read_only=True).active.iter_rows(
        values_only=True)]
    row = dict(zip(tiktok[0], tiktok[1]))
    assert [row["Main Product Image"], row["Product Image 2"], row["Product Image 5"]] == [urls[0], urls[1], urls[4]]
    meli = [list(r) for r in load_workbook(dist / "mercadolibre-mx-upload.xlsx", read_only=True).active.iter_rows(
        values_only=True)]
    assert dict(zip(meli[0], meli[1]))["Fotos"] == ", ".join(urls)

    small = findings(dist, "image-size")
    assert {(f["sku"], f["market"]) for f in small} == {("HF-1", "amazon-us"), ("HF-1", "tiktok-us"),
                                                        ("HF-1", "mercadolibre-mx")}
    amazon = next(f for f in small if f["market"] == "amazon-us")
    assert "images/HF-1-3.png" in amazon["message"] and "320×240 px" in amazon["message"]
    assert "500 px on the longest side" in amazon["message"] and amazon["severity"] == "warning"
    assert amazon["field"] == "upload"
    # TikTok asks for 600 px on each side: the 1000×800 picture passes, the 320×240 one does not
    assert "HF-1-2.png" not in next(f for f in small if f["market"] == "tiktok-us")["message"]
    missing = findings(dist, "upload-image")
    assert {(f["sku"], f["severity"], f["field"]) for f in missing} == {("BX-3", "warning", "upload")}
    assert not findings(dist, "upload-image-url")
    report = json.loads((dist / "report.json").read_text("utf-8"))
    assert str(Path("dist") / "images") in report["catalogs"][0]["files"]


def test_without_image_base_url_the_pictures_are_written_but_only_catalog_urls_are_uploaded(tmp_path, run_cli):
    drawings_catalog(tmp_path)
    project(tmp_path, ["amazon-us"], base=None)
    assert run_cli("build", "--include-held", "c.xlsx", *FX).exit_code in (0, 1)
    dist = tmp_path / "dist"
    assert len(list((dist / "images").iterdir())) == 5
    images = listings(dist, "amazon-us")["HF-1"]["images"]
    assert [i["url"] for i in images] == ["https://img.example.com/hf1.jpg", None, None, None, None]
    flat = {r["item_sku"]: r for r in read_csv(dist / "amazon-us-flatfile.txt", "\t")}
    assert flat["HF-1"]["main_image_url"] == "https://img.example.com/hf1.jpg" and flat["HF-1"]["other_image_url1"] == ""
    assert flat["UM-2"]["main_image_url"] == ""
    unnamed = {f["sku"]: f for f in findings(dist, "upload-image-url")}
    assert set(unnamed) == {"HF-1", "UM-2"} and "image_base_url" in unnamed["UM-2"]["message"]


def test_wps_cell_images_are_read_from_their_dispimg_formulas(tmp_path, run_cli, monkeypatch):
    path = workbook(tmp_path / "wps.xlsx", [
        HEADER,
        ["CP-1", "马克杯", None, 15, 0.4, "12*12*10", None, '=DISPIMG("ID_7F3A01",1)', '=DISPIMG("ID_7F3A02",1)'],
        ["CP-2", "茶杯", None, 9, 0.2, "10*10*8", '=DISPIMG("ID_7F3A03",1)', None, None],
        ["CP-3", "碗", None, 7, 0.3, "15*15*8", '=DISPIMG("ID_GONE",1)', None, None],
    ], [(2, 8, BACK, {})])  # CP-2 also has a picture anchored on the sheet, right of its cell image
    mug, detail, tea = jpeg(800, 800), png(700, 700, 5), png(450, 300, 6)
    add_cell_images(path, {"ID_7F3A01": ("image1.jpeg", mug), "ID_7F3A02": ("image2.png", detail),
                           "ID_7F3A03": ("image3.png", tea)})
    catalog = read_catalog(path)
    products = {p.sku: p for p in catalog.products}
    assert [(i.source, i.ext, i.width) for i in products["CP-1"].images] == [("cell-image", "jpg", 800),
                                                                            ("cell-image", "png", 700)]
    assert [i.source for i in products["CP-2"].images] == ["cell-image", "drawing"]
    assert products["CP-3"].images == []
    gone = [p for p in catalog.problems if p.code == "picture-missing"]
    assert [(p.row, p.severity) for p in gone] == [(4, "warning")] and "ID_GONE" in gone[0].message
    assert not [p for p in catalog.problems if p.code == "image-url"]  # =DISPIMG(…) in 图片 is not a bad URL

    inspected = run_cli("inspect", "wps.xlsx", "--json")
    assert inspected.exit_code == 0, inspected.output
    shown = {p["sku"]: p for p in json.loads(inspected.output)["products"]}
    assert [i["source"] for i in shown["CP-1"]["images"]] == ["cell-image", "cell-image"]
    monkeypatch.setenv("COLUMNS", "240")  # the products table has many columns; a narrow one folds the counts
    table = run_cli("inspect", "wps.xlsx")
    assert "2 (2 in cells)" in table.output and "2 (1 on the sheet, 1 in cells)" in table.output

    project(tmp_path, ["shopify"])
    assert run_cli("build", "--include-held", "wps.xlsx", *FX).exit_code in (0, 1)
    folder = tmp_path / "dist" / "images"
    assert (folder / "CP-1-1.jpg").read_bytes() == mug and (folder / "CP-1-2.png").read_bytes() == detail
    assert (folder / "CP-2-1.png").read_bytes() == tea and (folder / "CP-2-2.png").read_bytes() == BACK
    woo = {r["SKU"]: r for r in read_csv(tmp_path / "dist" / "woocommerce.csv")}
    assert woo["CP-1"]["Images"] == f"{BASE}images/CP-1-1.jpg, {BASE}images/CP-1-2.png"


def test_bad_image_cells_too_large_pictures_and_stray_pictures_are_reported(tmp_path, monkeypatch):
    path = workbook(tmp_path / "c.xlsx", [
        ["某某工厂报价单"],
        HEADER,
        ["A/1", "杯子", None, 10, 0.3, "10*10*10", "见附件 https://img.example.com/a.jpg", None, None],
        ["电工工具"],
        ["B-2", "万用表", None, 38, 0.35, "19*10*5", None, None, None],
    ], [(0, 7, png(40, 40, 7), {}),  # a logo above the header: not a product's, not reported
        (2, 7, png(600, 600, 8), {}), (3, 7, png(50, 50, 9), {}), (4, 7, png(2000, 2000, 10), {})])
    monkeypatch.setattr(pictures, "MAX_PICTURE_BYTES", 5_000)  # the 2000×2000 picture is over it
    catalog = read_catalog(path)
    products = {p.sku: p for p in catalog.products}
    assert [i.width for i in products["A/1"].images] == [None, 600]
    assert products["B-2"].images == []
    by_code = {p.code: p for p in catalog.problems}
    assert by_code["image-url"].row == 3 and "'见附件'" in by_code["image-url"].message
    assert by_code["image-url"].column == "图片 (G)" and by_code["image-url"].severity == "warning"
    assert by_code["picture-too-large"].row == 5 and by_code["picture-too-large"].severity == "warning"
    assert by_code["picture-without-product"].row == 4 and by_code["picture-without-product"].severity == "info"
    assert [p.row for p in catalog.problems if p.code.startswith("picture")] == [5, 4]


def test_an_unsafe_sku_gets_a_safe_distinct_file_name(tmp_path, run_cli):
    workbook(tmp_path / "c.xlsx", [HEADER, ["A/1", "杯子", None, 10, 0.3, "10*10*10", None, None, None],
                                   ["A 1", "碗", None, 10, 0.3, "10*10*10", None, None, None]],
             [(1, 7, png(600, 600, 1), {}), (2, 7, png(600, 600, 2), {})])
    project(tmp_path, ["amazon-us"])
    assert run_cli("build", "--include-held", "c.xlsx", *FX).exit_code in (0, 1)
    names = sorted(p.name for p in (tmp_path / "dist" / "images").iterdir())
    assert len(names) == 2 and all(name.startswith("A-1-") and name.endswith("-1.png") for name in names)
    files = {sku: item["images"][0]["file"] for sku, item in listings(tmp_path / "dist", "amazon-us").items()}
    assert sorted(Path(f).name for f in files.values()) == names


def test_a_sheet_without_pictures_reads_and_builds_as_before(tmp_path, run_cli, monkeypatch):
    path = write_xlsx(tmp_path / "c.xlsx", [["款号", "品名", "出厂价", "毛重(kg)", "包装尺寸(cm)"],
                                            ["MM-1", "数字万用表", 38, 0.35, "19*10*5"]])

    def no_parsing(*args):
        raise AssertionError("a workbook without pictures has no part to parse")

    monkeypatch.setattr(pictures._Reader, "xml", no_parsing)
    assert read_pictures(path, "产品").by_row == {}
    catalog = read_catalog(path)
    assert "images" not in catalog.products[0].to_json() and "images" not in json.dumps(catalog.to_json())
    assert [p.code for p in catalog.problems] == []
    project(tmp_path, ["amazon-us", "shopify"])
    assert run_cli("build", "--include-held", "c.xlsx", *FX).exit_code in (0, 1)
    dist = tmp_path / "dist"
    assert not (dist / "images").exists()
    assert listings(dist, "amazon-us")["MM-1"]["images"] == []
    assert read_csv(dist / "amazon-us-flatfile.txt", "\t")[0]["main_image_url"] == ""
    assert len(read_csv(dist / "shopify.csv")) == 1 and read_csv(dist / "shopify.csv")[0]["Product image URL"] == ""
    assert [(f["sku"], f["market"]) for f in findings(dist, "upload-image")] == [("MM-1", "amazon-us"),
                                                                                ("MM-1", "shopify")]
    report = json.loads((dist / "report.json").read_text("utf-8"))
    assert not any("images" in f for f in report["catalogs"][0]["files"])


def _with_doctype(path: Path, doctype: bytes, references: bytes) -> Path:
    """The workbook with a DOCTYPE before its drawing's root and entity references inside its first picture."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    drawing = parts["xl/drawings/drawing1.xml"]
    start = drawing.index(b"<xdr:wsDr")
    parts["xl/drawings/drawing1.xml"] = drawing[:start] + doctype + drawing[start:].replace(
        b"<xdr:pic>", b"<xdr:pic>" + references, 1)
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


@pytest.mark.parametrize("hostile", ["external", "laughs"])
def test_hostile_drawing_xml_is_neither_fetched_nor_expanded(tmp_path, hostile):
    path = workbook(tmp_path / "c.xlsx", [HEADER, ["A-1", "杯子", None, 10, 0.3, "10*10*10", None, None, None]],
                    [(1, 7, png(600, 600), {})])
    if hostile == "external":  # a file or web address as an entity: not read, the picture still is
        _with_doctype(path, b'<!DOCTYPE r [<!ENTITY ext SYSTEM "file:///etc/passwd">'
                            b'<!ENTITY web SYSTEM "http://127.0.0.1:9/x">]>', b"&ext;&web;")
        found = read_pictures(path, "报价单")
        assert len(found) == 1 and found.problems == []
        return
    laughs = b'<!DOCTYPE r [<!ENTITY a "' + b"x" * 1000 + b'">' + b"".join(
        b'<!ENTITY %c "%s">' % (98 + n, b"&%c;" % (97 + n) * 10) for n in range(8)) + b"]>"
    found = read_pictures(_with_doctype(path, laughs, b"&i;"), "报价单")  # 10^8 x's, never expanded
    assert len(found) <= 1 and all(p.severity == "warning" for p in found.problems)


@pytest.mark.parametrize("value", ["cdn.example.com/shop/", "https://cdn.example.com/shop", "ftp://x.example/",
                                   "https://cdn.example.com/?v=1/", "42"])
def test_a_bad_image_base_url_is_one_line(tmp_path, run_cli, value):
    write_xlsx(tmp_path / "c.xlsx", [["款号", "品名", "出厂价"], ["A-1", "杯子", 10]])
    quoted = value if value == "42" else json.dumps(value)
    (tmp_path / "xborder.toml").write_text(f"[project]\nimage_base_url = {quoted}\n", encoding="utf-8")
    one_line_error(run_cli("build", "--include-held", "c.xlsx", *FX), "image_base_url")


def test_every_platform_has_a_picture_minimum_with_its_source():
    import re

    from xborder import data
    from xborder.listing.images import image_rules

    platforms = {market["platform"] for market in data.load("markets.toml")["markets"].values()}
    assert platforms <= set(image_rules())
    for name, entry in data.load("images.toml")["sizes"].items():
        dated = [s for s in entry["sources"] if re.match(r"https://\S+ \((?:retrieved )?\d{4}-\d{2}-\d{2}\)", s)]
        assert dated == entry["sources"], name  # every source a URL with the date it was read
        assert dated or entry.get("unconfirmed"), name  # no source: it says what is unconfirmed
