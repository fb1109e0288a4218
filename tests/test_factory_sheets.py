"""Factory sheets read as an export clerk reads them: per-carton weights, remarks as facts, the sheet's own
columns as attributes, notes; asserted on what inspect, price and build write."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import DIRECT_PRICING, write_xlsx
from xborder.catalog import read_catalog
from xborder.catalog.facts import facts_in, packing_count
from xborder.config import CatalogSettings
from xborder.values import Quantity

PROJECT = """
[project]
markets = ["amazon-us", "amazon-de"]
brand = "Acme"
""" + DIRECT_PRICING


@pytest.fixture(autouse=True)
def _own_memory(monkeypatch, tmp_path):
    monkeypatch.setenv("XBORDER_MEMORY", str(tmp_path / "memory.sqlite"))


def _by_sku(path: Path):
    catalog = read_catalog(path, CatalogSettings())
    return catalog, {p.sku: p for p in catalog.products}


# --- units per carton in a text cell ------------------------------------------------------------------

@pytest.mark.parametrize("cell, count", [
    ("彩盒 24pcs/ctn", 24), ("白盒，20个/箱", 20), ("12台/箱", 12), ("每箱36只 彩盒", 36), ("装箱数：48", 48),
    ("1pc/polybag, 60pcs/ctn", 60), ("24 PCS PER CARTON", 24), ("内盒6个，外箱48个", 48), ("吊卡包装 ５０套/箱", 50),
    ("PE袋 100PCS/CTN", 100), ("each carton 36 pcs", 36), ("6pcs/inner box, 24pcs/master carton", 24),
])
def test_packing_count_in_the_many_ways_factories_write_it(cell, count):
    found = packing_count(cell)
    assert found is not None and found[0] == count


@pytest.mark.parametrize("cell", ["彩盒", "1pc/polybag", "1pc/gift box", "PE袋装", "容量500ml", "3.7V 1200mAh"])
def test_no_packing_count_is_invented(cell):
    assert packing_count(cell) is None


def test_packing_count_in_four_spellings_divides_the_carton_weight(tmp_path):
    path = write_xlsx(tmp_path / "quote.xlsx", [
        ["货号", "品名", "单价(元)", "包装", "外箱尺寸(cm)", "毛重(kg)"],
        ["JC-1", "榨汁杯", 45, "彩盒 24pcs/ctn", "52x36x40", 14.5],
        ["JC-2", "保温杯", 30, "白盒，20个/箱", "50x40x30", 9],
        ["KT-1", "电热水壶", 68, "12台/箱", "60*40*35", 15],
        ["LB-1", "饭盒", 12, "每箱24只", "50x35x30", 7.2],
    ])
    catalog, products = _by_sku(path)
    assert products["JC-1"].gross_weight == Quantity(D("0.6042"), "kg")
    assert products["JC-2"].gross_weight == Quantity(D("0.45"), "kg")
    assert products["KT-1"].gross_weight == Quantity(D("1.25"), "kg")
    assert products["LB-1"].gross_weight == Quantity(D("0.3"), "kg")
    assert products["JC-1"].weight_basis == ("14.5 kg per carton in 毛重(kg) (F) ÷ 24 units per carton "
                                             "(包装 (D): 24pcs/ctn)")
    assert all(p.weight_issue is None for p in catalog.products)


def test_a_unit_weight_header_stays_one_units_weight(tmp_path):
    path = write_xlsx(tmp_path / "quote.xlsx", [
        ["货号", "品名", "单价(元)", "包装", "外箱尺寸(cm)", "单品重量(kg)"],
        ["JC-1", "榨汁杯", 45, "彩盒 24pcs/ctn", "52x36x40", 0.6],
    ])
    _, products = _by_sku(path)
    assert products["JC-1"].gross_weight is None
    assert products["JC-1"].net_weight == Quantity(D("0.6"), "kg")


def test_a_gross_weight_lighter_than_the_empty_carton_is_one_units(tmp_path):
    path = write_xlsx(tmp_path / "quote.xlsx", [
        ["货号", "品名", "单价(元)", "装箱数", "外箱尺寸(cm)", "毛重(kg)"],
        ["MG-1", "马克杯", 12, 36, "60x40x40", 0.35],
    ])
    _, products = _by_sku(path)
    assert products["MG-1"].gross_weight == Quantity(D("0.35"), "kg")
    assert products["MG-1"].carton_gross_weight is None


# --- a carton weight with no count, and weights nobody would believe -------------------------------------

def _umbrella_sheet(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "fob.xlsx", {"Price List": [
        ["XIAMEN RAINBOW UMBRELLA CO., LTD.  FOB PRICE LIST"],
        ["Item No.", "Description", "FOB Xiamen (USD)", "Packing", "Carton Size (cm)", "N.W./G.W. (kg)", "Remark"],
        ["UM-21", "Folding umbrella 21 inch", 1.85, "1pc/polybag", "60x40x35", "12/13", ""],
        ["UM-23", "Golf umbrella", 3.2, "1pc/polybag, 25pcs/ctn", "80x30x30", "16.5/18", "logo +0.15"],
    ]})


def test_net_gross_pair_beside_a_carton_size_without_a_count_is_never_a_unit_weight(tmp_path, run_cli):
    path = _umbrella_sheet(tmp_path)
    catalog, products = _by_sku(path)
    umbrella = products["UM-21"]
    assert umbrella.gross_weight is None and umbrella.net_weight is None
    assert umbrella.carton_gross_weight == Quantity(D(13), "kg")
    assert umbrella.weight_issue is not None and umbrella.weight_issue.code == "carton-weight-without-quantity"
    assert products["UM-23"].gross_weight == Quantity(D("0.72"), "kg")

    (tmp_path / "xborder.toml").write_text(PROJECT, encoding="utf-8")
    result = run_cli("price", path, "--market", "amazon-us", "--json")
    prices = {q["sku"]: q for q in json.loads(result.stdout)["markets"]["amazon-us"]}
    assert prices["UM-21"]["confirmed"] is False
    assert "carton-weight-without-quantity" in [f["code"] for f in prices["UM-21"]["findings"]]
    assert prices["UM-23"]["confirmed"] is True
    assert D(prices["UM-23"]["price"]) < 25  # a USD 3.20 umbrella

    result = run_cli("build", "--include-held", path, "--out", "dist", "--market", "mercadolibre-mx")
    sheet = load_workbook(tmp_path / "dist" / "mercadolibre-mx-upload.xlsx").active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if "Peso del paquete (kg)" in r)
    weight, sku = header.index("Peso del paquete (kg)"), next(i for i, h in enumerate(header) if h and "SKU" in h)
    weights = {r[sku]: r[weight] for r in rows[rows.index(header) + 1:] if r[sku]}
    assert weights["UM-23"] not in (None, "") and weights["UM-21"] in (None, "")  # 13 kg is nobody's package


def test_an_implausible_unit_weight_leaves_the_price_unconfirmed(tmp_path, run_cli):
    path = write_xlsx(tmp_path / "quote.xlsx", [
        ["货号", "品名", "单价(元)", "毛重(kg)"],
        ["CP-1", "榨汁杯", 45, 14.5],
        ["UM-1", "折叠伞", 12, 0.35],
    ])
    catalog, products = _by_sku(path)
    assert products["CP-1"].weight_issue is not None and products["CP-1"].weight_issue.code == "weight-implausible"
    assert "weight-implausible" in [p.code for p in catalog.problems if p.row == 2]
    assert products["UM-1"].weight_issue is None
    (tmp_path / "xborder.toml").write_text(PROJECT, encoding="utf-8")
    prices = {q["sku"]: q for q in json.loads(run_cli("price", path, "--market", "amazon-us", "--json").stdout)
              ["markets"]["amazon-us"]}
    assert prices["CP-1"]["confirmed"] is False and prices["UM-1"]["confirmed"] is True


def test_inspect_explains_every_weight(tmp_path, run_cli):
    path = _umbrella_sheet(tmp_path)
    result = run_cli("inspect", path)
    out = " ".join(result.stdout.split())
    assert "unknown" in out and "no units per carton" in out.replace("│", "")
    data = json.loads(run_cli("inspect", path, "--json").stdout)
    products = {p["sku"]: p for p in data["products"]}
    assert products["UM-23"]["weight_basis"] == ("18 kg per carton in N.W./G.W. (kg) (F) ÷ 25 units per carton "
                                                 "(Packing (D): 25pcs/ctn)")
    assert products["UM-21"]["weight_issue"]["code"] == "carton-weight-without-quantity"
    assert data["notes"][0]["text"].startswith("XIAMEN RAINBOW UMBRELLA")


# --- remarks as facts -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, field, value", [
    ("220V 国标插头", "voltage", "220V"), ("220V 国标插头", "plug", "国标"), ("插头：国标", "plug", "国标"),
    ("含电池", "battery", "含电池"), ("内置锂电池2000mAh", "battery", "内置锂电池2000mAh"),
    ("食品级PP", "food_contact", "食品级PP"), ("不含BPA", "food_contact", "不含BPA"),
    ("适合3岁以上儿童", "min_age", "3"), ("age 3-8", "min_age", "3"), ("AC100-240V, US plug", "voltage", "AC100-240V"),
    ("CE/FCC/RoHS", "certifications", "FCC"),
])
def test_remark_facts(text, field, value):
    assert (field, value) in [(f.field, f.value) for f in facts_in(text, "备注 (J)")]


@pytest.mark.parametrize("text, field", [("不含电池", "battery"), ("2节AA电池(不含)", "battery"),
                                         ("3.7V 锂电池, DC 5V", "voltage"), ("CERAMIC", "certifications")])
def test_facts_stated_as_absent_or_not_mains_are_not_read(text, field):
    assert field not in [f.field for f in facts_in(text, "备注 (J)")]


def _kitchen_sheet(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "kitchen.xlsx", {"报价单": [
        ["永康市某某电器厂 报价单"],
        ["序号", "货号", "产品名称", "容量", "功率(W)", "出厂价(元)", "装箱数", "外箱尺寸(cm)", "毛重(kg)", "备注",
         "朝代形制"],
        [1, "KT-18", "电热水壶", "1.8L", 1500, 68, 12, "60*40*35", 15, "220V 国标插头 3C认证", None],
        [2, "JC-35", "便携榨汁杯", "350ml", "40W", 45, 24, "52x36x40", 14.5, "内置锂电池2000mAh 食品级PP 不含BPA", None],
        [3, "HF-01", "汉服女", None, None, 120, 20, "50x40x30", 16, "适合3岁以上", "明制"],
    ], "说明": [["1、以上价格含13%增值税"], ["2、logo +0.5元/个"]]})


def test_remarks_fill_the_fields_a_column_would(tmp_path):
    catalog, products = _by_sku(_kitchen_sheet(tmp_path))
    kettle, cup, hanfu = products["KT-18"], products["JC-35"], products["HF-01"]
    assert (kettle.voltage, kettle.plug, kettle.certifications) == ("220V", "国标", ["3C"])
    assert kettle.capacity == Quantity(D(1800), "ml") and kettle.power == Quantity(D(1500), "W")
    assert cup.battery == "内置锂电池2000mAh" and cup.food_contact == "食品级PP; 不含BPA"
    assert cup.capacity == Quantity(D(350), "ml") and cup.power == Quantity(D(40), "W")
    assert hanfu.min_age == 3
    assert [(a.header, a.value) for a in hanfu.attributes] == [("朝代形制", "明制")]
    assert [(f.field, f.column) for f in kettle.facts][:2] == [("voltage", "备注 (J)"), ("plug", "备注 (J)")]
    roles = {c.header: c.role for c in catalog.columns}
    assert roles["序号"] == "ignored" and roles["朝代形制"] == "attribute"
    assert [n.text for n in catalog.notes if n.sheet == "说明"] == ["1、以上价格含13%增值税", "2、logo +0.5元/个"]


def test_remark_facts_reach_compliance_listing_prompt_and_report(tmp_path, run_cli, monkeypatch):
    path = _kitchen_sheet(tmp_path)
    (tmp_path / "xborder.toml").write_text(PROJECT, encoding="utf-8")
    result = run_cli("build", path, "--out", "dist")
    assert result.exit_code in (0, 1), result.output
    listings = {x["sku"]: x for x in json.loads((tmp_path / "dist" / "amazon-us.json").read_text())["listings"]}
    kettle = listings["KT-18"]
    # 220 V with a Chinese plug is an error in the US, read from the 备注 column
    assert any(i["status"] != "done" and "220" in i["requirement"] + i["action"]
               for i in kettle["compliance"]["items"]) or \
        any(f["severity"] == "error" and "220" in f["message"] for f in kettle["findings"])
    attributes = {a["name"]: a["value"] for a in kettle["attributes"]}
    assert attributes["Capacity"] == "1.8 L (60.9 fl oz)" and attributes["Power"] == "1,500 W"
    assert attributes["Voltage"] == "220 V"
    cup = listings["JC-35"]
    assert "battery" in cup["compliance"]["kinds"]
    german = {x["sku"]: x for x in json.loads((tmp_path / "dist" / "amazon-de.json").read_text())["listings"]}
    assert {a["name"]: a["value"] for a in german["KT-18"]["attributes"]}["Fassungsvermögen"] == "1,8 L"
    assert {a["name"]: a["value"] for a in german["HF-01"]["attributes"]}["Empfohlenes Alter"] == "ab 3 Jahren"
    assert "朝代形制" in [a["name"] for a in german["HF-01"]["attributes"]] or \
        "明制" in json.dumps(german["HF-01"]["attributes"], ensure_ascii=False) or \
        any("Ming" in a["value"] for a in german["HF-01"]["attributes"])
    report = json.loads((tmp_path / "dist" / "report.json").read_text())
    assert "1、以上价格含13%增值税" in [n["text"] for n in report["catalogs"][0]["notes"]]

    from xborder.engines.model import product_brief
    _, products = _by_sku(path)
    brief = product_brief(products["JC-35"])
    assert brief["battery"] == "内置锂电池2000mAh" and brief["capacity"] == "350 ml"
    assert product_brief(products["HF-01"])["attributes"] == {"朝代形制": "明制"}


def test_a_capacity_cell_that_is_not_a_measure_is_kept_as_text_and_a_battery_capacity_is_the_battery(tmp_path):
    path = write_xlsx(tmp_path / "quote.xlsx", [
        ["货号", "品名", "单价(元)", "容量"],
        ["C-1", "儿童餐具套装", 9.9, "碗300ml"],
        ["P-1", "充电宝", 35, "10000mAh"],
    ])
    catalog, products = _by_sku(path)
    assert [(a.header, a.value) for a in products["C-1"].attributes] == [("容量", "碗300ml")]
    assert "kept-as-text" in [p.code for p in catalog.problems]
    assert products["P-1"].battery == "10000mAh" and products["P-1"].capacity is None


def test_headers_a_factory_writes_its_own_way(tmp_path):
    path = write_xlsx(tmp_path / "quote.xlsx", [
        ["款号", "款式名称", "FOB Ningbo (USD)", "件/箱", "毛重/箱"],
        ["HF-1", "明制汉服", 23.5, "30件/箱", 12.6],
    ])
    catalog, products = _by_sku(path)
    assert catalog.mapping["name"] == "款式名称 (B)" and catalog.mapping["cost"] == "FOB Ningbo (USD) (C)"
    assert products["HF-1"].cost.currency == "USD"
    assert products["HF-1"].gross_weight == Quantity(D("0.42"), "kg")


# --- whose weight a column is: the sheet decides, not one row -------------------------------------------

def test_unit_weights_beside_carton_figures_are_not_divided(tmp_path):
    # an ERP export: G.W./N.W. per unit although Qty/Ctn and the carton size are given
    path = write_xlsx(tmp_path / "erp.xlsx", [
        ["SKU", "品名 Name", "Unit Price(RMB)", "Qty/Ctn", "Ctn Size(cm)", "G.W.(kg)", "N.W.(kg)"],
        ["HD-1800E", "吹风机", 68, 20, "52x40x36", 0.85, 0.65],
        ["EK-15", "电热水壶", 42, 12, "60x40x45", 1.35, 1.05],
        ["FN-U02", "USB小风扇", 16.5, 50, "55x35x40", 0.28, 0.2],
    ])
    catalog, products = _by_sku(path)
    assert products["HD-1800E"].gross_weight == Quantity(D("0.85"), "kg")
    assert products["EK-15"].net_weight == Quantity(D("1.05"), "kg")
    assert products["HD-1800E"].weight_basis.startswith("0.85 kg from G.W.(kg) (F), one unit's (a carton of 20")
    assert all(p.weight_issue is None for p in catalog.products)


def test_a_column_of_carton_weights_is_divided_on_every_row(tmp_path):
    path = write_xlsx(tmp_path / "quote.xlsx", [
        ["货号", "品名", "单价", "装箱数", "外箱尺寸", "毛重/净重(KG)", "单个重量(g)"],
        ["RC-1", "遥控车", 45.8, "12PCS/CTN", "60x40x45", "14.5/12.8", None],
        ["BK-1", "积木", 32.5, "内箱12个，外箱48个", "62x42x40", "26.4/24", None],
        ["PL-1", "毛绒熊", 18.5, "48PCS/CTN", "70x50x50", "8.5/7.2", 145],
    ])
    _, products = _by_sku(path)
    assert products["RC-1"].gross_weight == Quantity(D("1.2083"), "kg")  # 毛重/净重: gross written first
    assert products["RC-1"].net_weight == Quantity(D("1.0667"), "kg")
    assert products["BK-1"].gross_weight == Quantity(D("0.55"), "kg")  # the outer carton's 48, not the inner 12
    assert products["PL-1"].net_weight == Quantity(D(145), "g")  # a stated unit weight wins over carton ÷ count
    assert products["PL-1"].gross_weight == Quantity(D("0.1771"), "kg")


def test_a_cell_that_says_per_carton_is_a_cartons(tmp_path):
    path = write_xlsx(tmp_path / "garden.xlsx", [
        ["型号", "品名", "单价(元)", "包装", "重量"],
        ["PS-1", "修枝剪", 15.8, "20把/箱", "280g"],
        ["PP-3", "花盆三件套", 12, "6套/箱", "1.2kg/箱"],
    ])
    _, products = _by_sku(path)
    assert products["PS-1"].net_weight == Quantity(D(280), "g")
    assert products["PP-3"].net_weight == Quantity(D("0.2"), "kg")


def test_age_column_placeholders_and_marks_written_with_spaces(tmp_path):
    path = write_xlsx(tmp_path / "toys.xlsx", [
        ["货号", "品名", "单价", "适用年龄", "电池", "认证"],
        ["BG-1", "泡泡枪", 12.8, "3+", "无", "EN71 ASTM F963 CPC"],
        ["BR-1", "婴儿摇铃", 15, "0-3岁婴儿", "-", "CE"],
        ["RC-1", "遥控车", 45.8, "6-12岁", "车身锂电池(已含)", "EN71/CE"],
    ])
    _, products = _by_sku(path)
    assert [products[s].min_age for s in ("BG-1", "BR-1", "RC-1")] == [3, 0, 6]
    assert products["BG-1"].battery is None and products["BR-1"].battery is None
    assert products["BG-1"].certifications == ["EN71", "ASTM F963", "CPC"]
    assert products["RC-1"].battery == "车身锂电池(已含)"


@pytest.mark.parametrize("cell, sizes", [("S-XL", ["S", "M", "L", "XL"]), ("S M L XL", ["S", "M", "L", "XL"]),
                                         ("M~3XL", ["M", "L", "XL", "XXL", "3XL"]), ("110/120/130", ["110", "120", "130"]),
                                         ("3-4岁", ["3-4岁"]), ("均码", ["均码"])])
def test_size_ranges_and_lists_are_read_as_sizes(tmp_path, cell, sizes):
    path = write_xlsx(tmp_path / "hanfu.xlsx", [["款号", "品名", "批发价", "尺码"], ["HF-1", "宋制汉服", 98, cell]])
    _, products = _by_sku(path)
    assert products["HF-1"].sizes == sizes


def test_an_about_weight_and_a_unit_weight_stated_in_a_remark_are_read(tmp_path):
    path = write_xlsx(tmp_path / "pets.xlsx", [
        ["编码", "产品名称", "价格（RMB）", "包装", "箱规(cm)", "毛重(KG)", "备注"],
        ["MQ-2", "折叠硅胶碗", 6.2, "10个/中包，100个/箱", "50x35x30", "约12.6", "食品级硅胶"],
        ["MQ-5", "宠物指甲剪", 5.8, "单个吸塑 每件40个", "40x30x25", None, "单只净重约85g"],
    ])
    _, products = _by_sku(path)
    assert products["MQ-2"].gross_weight == Quantity(D("0.126"), "kg")  # the outer carton's 100, not the 10
    assert products["MQ-5"].net_weight == Quantity(D(85), "g")
    assert products["MQ-5"].weight_basis.startswith("85 g from 备注 (G), one unit's")
