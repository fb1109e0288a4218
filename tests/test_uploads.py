"""Upload files that upload as they are: Amazon's flat file, the TikTok Shop / Shopee / Lazada / Mercado Libre
bulk-upload sheets, Shopify's per-market columns, and the findings that say what a listing still lacks."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import write_xlsx
from xborder.listing.uploads import check_digit, read_gtin, templates

FX = ("--fx-date", "2025-06-02")
HEADER = ["款号", "品名", "品牌", "条码", "库存", "产地", "类目", "生产厂家", "颜色", "出厂价", "毛重(kg)", "包装尺寸(cm)",
          "卖点"]
EAN = "4006381333931"  # a valid EAN-13


def project(tmp_path: Path, markets: list[str], extra: str = "") -> None:
    (tmp_path / "xborder.toml").write_text(f"[project]\nmarkets = {json.dumps(markets)}\n{extra}", encoding="utf-8")


def flat_file(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def findings(tmp_path: Path) -> list[dict]:
    return json.loads((tmp_path / "dist" / "report.json").read_text(encoding="utf-8"))["findings"]


def sheet(path: Path) -> list[list[object]]:
    return [list(row) for row in load_workbook(path, read_only=True).active.iter_rows(values_only=True)]


def test_the_amazon_flat_file_carries_brand_type_gtin_quantity_origin_and_maker(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [
        HEADER,
        ["MM-1", "数字万用表", "Lumi", EAN, 120, "中国", "电工工具", "宁波光明电器", None, 38, 0.35, "19*10*5", "自动量程"],
        ["UM-2", "晴雨伞", None, None, None, "广东深圳", "雨具", None, None, 25, 0.45, "30*7*7", "遇水变色"],
    ])
    project(tmp_path, ["amazon-us"], 'brand = "Own"\nmanufacturer = "Own Factory"\n'
                                     '[markets.amazon-us.product_types]\n"雨具" = "UMBRELLA"\n')
    result = run_cli("build", "--include-held", "c.xlsx", *FX)
    assert result.exit_code in (0, 1), result.output
    rows = {r["item_sku"]: r for r in flat_file(tmp_path / "dist" / "amazon-us-flatfile.txt")}
    meter, umbrella = rows["MM-1"], rows["UM-2"]
    assert meter["brand_name"] == "Lumi" and meter["manufacturer"] == "宁波光明电器"
    assert meter["feed_product_type"] == "MULTIMETER"  # the bundled mapping: 万用表
    assert (meter["external_product_id"], meter["external_product_id_type"]) == (EAN, "EAN")
    assert meter["quantity"] == "120" and meter["country_of_origin"] == "China"
    assert meter["standard_price"] and meter["currency"] == "USD" and meter["item_name"]
    # the row leaves brand and maker empty: [project] fills them; the project maps its category to a type
    assert umbrella["brand_name"] == "Own" and umbrella["manufacturer"] == "Own Factory"
    assert umbrella["feed_product_type"] == "UMBRELLA" and umbrella["country_of_origin"] == "China"
    assert umbrella["external_product_id"] == "" and umbrella["quantity"] == ""
    found = {(f["sku"], f["check"]): f for f in findings(tmp_path) if f.get("field") == "upload"}
    assert ("MM-1", "upload-gtin") not in found and ("MM-1", "upload-brand") not in found
    assert found[("UM-2", "upload-gtin")]["severity"] == "warning"
    assert "GTIN exemption" in found[("UM-2", "upload-gtin")]["message"]
    assert found[("UM-2", "upload-stock")]["severity"] == "warning"


def test_a_listing_without_a_brand_has_an_error_and_the_build_says_so(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["MM-1", "数字万用表", None, EAN, 5, "CN", "电工工具", None, None, 38,
                                              0.35, "19*10*5", "自动量程"]])
    project(tmp_path, ["amazon-us"])
    result = run_cli("build", "--include-held", "c.xlsx", *FX)
    assert result.exit_code == 1, result.output
    brand = [f for f in findings(tmp_path) if f["check"] == "upload-brand"]
    assert [(f["sku"], f["market"], f["severity"]) for f in brand] == [("MM-1", "amazon-us", "error")]
    assert "品牌" in brand[0]["message"] and "[project] brand" in brand[0]["message"]
    assert flat_file(tmp_path / "dist" / "amazon-us-flatfile.txt")[0]["brand_name"] == ""


def test_a_wrong_check_digit_is_an_error_and_the_code_is_not_written(tmp_path, run_cli):
    bad = EAN[:-1] + "2"
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["MM-1", "数字万用表", "Lumi", bad, 5, "CN", "电工工具", None, None, 38,
                                              0.35, "19*10*5", "自动量程"]])
    project(tmp_path, ["amazon-us"])
    assert run_cli("build", "--include-held", "c.xlsx", *FX).exit_code == 1
    bad_barcode = [f for f in findings(tmp_path) if f["check"] == "bad-barcode"]
    assert len(bad_barcode) == 1 and bad_barcode[0]["severity"] == "error"
    assert "check digit should be 1" in bad_barcode[0]["message"]
    row = flat_file(tmp_path / "dist" / "amazon-us-flatfile.txt")[0]
    assert row["external_product_id"] == "" and row["external_product_id_type"] == ""


@pytest.mark.parametrize(("code", "kind", "valid"), [
    (EAN, "EAN", True), ("036000291452", "UPC", True), ("96385074", "EAN", True), ("10036000291459", "GTIN", True),
    ("036000291453", "UPC", False), ("36000291452", "UPC", True), ("4006-3813 33931", "EAN", True), ("12345", "", False), ("ABC", "", False),
])
def test_barcodes_are_read_by_length_and_check_digit(code, kind, valid):
    gtin = read_gtin(code)
    assert gtin is not None and gtin.kind == kind and gtin.valid is valid
    assert read_gtin("") is None and check_digit("400638133393") == 1


def test_tiktok_shop_and_mercado_libre_upload_sheets_have_a_row_per_variant(tmp_path, run_cli):
    # one row per colour, each with its own stock; a product's one stock for several colours is never repeated
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["MM-1", "数字万用表", "Lumi", None, 30, "CN", "电工工具", None,
                                              "黄色", 38, 0.5, "20*10*5", "自动量程"],
                                     ["MM-1", "数字万用表", "Lumi", None, 0, "CN", "电工工具", None,
                                      "黑色", 38, 0.5, "20*10*5", "自动量程"],
                                     ["MM-2", "钳形表", "Lumi", None, 50, "CN", "电工工具", None,
                                      "红色/黑色", 60, 0.6, "22*10*5", "自动量程"]])
    project(tmp_path, ["tiktok-us", "mercadolibre-mx"])
    assert run_cli("build", "--include-held", "c.xlsx", *FX).exit_code in (0, 1)
    dist = tmp_path / "dist"
    assert not (dist / "tiktok-us-flatfile.txt").exists()

    tiktok = sheet(dist / "tiktok-us-upload.xlsx")
    expected = [h for h, _ in templates()["tiktok"].columns]
    expected = [h.format(weight_unit="lb", length_unit="inch") for h in expected]
    assert tiktok[0] == expected and "Package Weight(lb)" in tiktok[0]
    listing = json.loads((dist / "tiktok-us.json").read_text(encoding="utf-8"))["listings"][0]
    rows = [dict(zip(tiktok[0], row)) for row in tiktok[1:]]
    assert [r["Quantity"] for r in rows[2:]] == [None, None]  # MM-2's 50 is for both colours together
    rows = rows[:2]
    assert [r["Seller SKU"] for r in rows] == [v["sku"] for v in listing["variants"]] == ["MM-1-YELLOW", "MM-1-BLACK"]
    assert all(r["Product Name"] == listing["title"] and r["Brand"] == "Lumi" for r in rows)
    assert [r["Price"] for r in rows] == [float(v["price"]) for v in listing["variants"]]
    assert [r["Quantity"] for r in rows] == [30, 0]  # out of stock is listed with 0, not left out
    assert rows[0]["Variation 1 Name"] == "Color" and rows[0]["Variation 1 Value"] == "Yellow"
    assert rows[0]["Package Weight(lb)"] == pytest.approx(1.10) and rows[0]["Package Length(inch)"] == 7.9

    meli = sheet(dist / "mercadolibre-mx-upload.xlsx")
    assert meli[0] == [h.format(weight_unit="kg", length_unit="cm") for h, _ in templates()["mercadolibre"].columns]
    assert meli[0][:6] == ["Título", "Categoría", "Condición", "Precio", "Moneda", "Cantidad disponible"]
    listing = json.loads((dist / "mercadolibre-mx.json").read_text(encoding="utf-8"))["listings"][0]
    rows = [dict(zip(meli[0], row)) for row in meli[1:3]]
    assert [r["SKU"] for r in rows] == ["MM-1-YELLOW", "MM-1-BLACK"]
    assert all(r["Título"] == listing["title"] and r["Condición"] == "Nuevo" and r["Moneda"] == "MXN" for r in rows)
    assert [r["Precio"] for r in rows] == [float(v["price"]) for v in listing["variants"]]
    assert [r["Cantidad disponible"] for r in rows] == [30, 0] and all(r["Marca"] == "Lumi" for r in rows)
    assert [r["Color"] for r in rows] == [v["options"]["Color"] for v in listing["variants"]]
    assert rows[0]["Peso del paquete (kg)"] == 0.5 and rows[0]["Largo del paquete (cm)"] == 20
    report = json.loads((dist / "report.json").read_text(encoding="utf-8"))
    assert any(f["check"] == "upload-gtin" and f["market"] == "mercadolibre-mx" for f in report["findings"])
    stock = [f for f in report["findings"] if f["check"] == "upload-stock" and f["market"] == "tiktok-us"]
    assert [f["sku"] for f in stock] == ["MM-2"] and "not per variant" in stock[0]["message"]


def test_upload_sheet_cells_are_neutralized(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["MM-1", "数字万用表", "@SUM(1+1)", None, 5, "CN", None, None,
                                              None, 38, 0.5, "20*10*5", "自动量程"]])
    project(tmp_path, ["shopee-sg", "tiktok-us"])
    assert run_cli("build", "--include-held", "c.xlsx", *FX).exit_code in (0, 1)
    rows = sheet(tmp_path / "dist" / "tiktok-us-upload.xlsx")
    assert dict(zip(rows[0], rows[1]))["Brand"] == "'@SUM(1+1)"
    shopee = sheet(tmp_path / "dist" / "shopee-sg-upload.xlsx")
    assert shopee[0][:5] == ["Category", "Product Name", "Product Description", "Parent SKU",
                             "Variation Integration No."]
    assert dict(zip(shopee[0], shopee[1]))["Weight"] == 0.5 and dict(zip(shopee[0], shopee[1]))["SKU"] == "MM-1"


def test_shopify_columns_use_the_store_market_name_vendor_per_product_and_plain_seo_text(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [
        HEADER,
        ["A-1", "雨伞", "Lumi", None, 5, "CN", None, None, None, 25, 0.4, "30*7*7", "Rain & sun <UV> protection"],
        ["B-2", "万用表", "Volta", None, 5, "CN", None, None, None, 38, 0.3, "19*10*5", "Auto & manual range"],
    ])
    project(tmp_path, ["shopify"], '[markets.shopify]\nshopify_market = "North America"\n')
    assert run_cli("build", "--include-held", "c.xlsx", *FX).exit_code in (0, 1)
    with (tmp_path / "dist" / "shopify.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {"Included / North America", "Price / North America", "Compare-at price / North America"} <= set(rows[0])
    assert not any("/ Own store" in name for name in rows[0])
    vendors = {r["SKU"]: r["Vendor"] for r in rows}
    assert vendors == {"A-1": "Lumi", "B-2": "Volta"}
    umbrella = next(r for r in rows if r["SKU"] == "A-1")
    assert "&amp;" in umbrella["Description"]  # the HTML description keeps its entities
    seo = umbrella["SEO description"]
    assert "&amp;" not in seo and "&lt;" not in seo and "<p>" not in seo and "<li>" not in seo
    assert "Rain & sun" in seo and "  " not in seo and len(seo) <= 320


def test_a_shopify_market_name_with_a_slash_is_refused(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["A-1", "雨伞", "Lumi", None, 5, "CN", None, None, None, 25, 0.4,
                                              "30*7*7", "晴雨两用"]])
    project(tmp_path, ["shopify"], '[markets.shopify]\nshopify_market = "US / Canada"\n')
    result = run_cli("build", "--include-held", "c.xlsx", *FX)
    assert result.exit_code == 2 and "shopify_market" in result.output


def test_shopify_barcodes_and_stock_are_never_copied_to_variants_or_written_wrong(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [
        HEADER,
        ["A-1", "雨伞", "Lumi", EAN, 5, "CN", None, None, None, 25, 0.4, "30*7*7", "防晒"],
        ["B-2", "万用表", "Volta", "4006381333932", 0, "CN", None, None, None, 38, 0.3, "19*10*5", "自动量程"],
        ["C-3", "卫衣", "Volta", EAN, 40, "CN", None, None, "红色/黑色", 38, 0.3, "19*10*5", "加厚"],
    ])
    project(tmp_path, ["shopify"])
    assert run_cli("build", "--include-held", "c.xlsx", *FX).exit_code in (0, 1)
    with (tmp_path / "dist" / "shopify.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["SKU"]: r for r in csv.DictReader(handle)}
    assert rows["A-1"]["Barcode"] == EAN and rows["A-1"]["Inventory quantity"] == "5"
    assert rows["B-2"]["Barcode"] == "" and rows["B-2"]["Inventory quantity"] == "0"  # wrong check digit; sold out
    variants = [r for sku, r in rows.items() if sku.startswith("C-3-")]
    assert len(variants) == 2 and all(r["Barcode"] == "" and r["Inventory quantity"] == "" for r in variants)
