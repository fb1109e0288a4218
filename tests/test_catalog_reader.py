"""read_catalog: header variants, sheets, encodings, value formats, skipped rows, problems, bad files."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from decimal import Decimal

import pytest

from conftest import BAD_FILES, BAD_IDS, CHINESE_ROWS, codes, only_problem, write_xlsx
from xborder.catalog import Catalog, Product, read_catalog
from xborder.config import CatalogSettings
from xborder.errors import ConfigError, InputError
from xborder.values import Dimensions, Money, Quantity, plain

D = Decimal
BASE = {"sku": ("款号", "A-1"), "name": ("品名", "陶瓷马克杯"), "cost": ("出厂价", "¥25.8")}


def read_one(xlsx, header: str, cell: object, field: str, settings: CatalogSettings | None = None,
             ) -> tuple[Catalog, Product]:
    """A sheet of 款号/品名/出厂价 where `header` (mapped to `field`) replaces or joins them; one row."""
    columns = dict(BASE)
    columns["sku" if field in ("sku", "model") else field] = (header, cell)
    path = xlsx([[h for h, _ in columns.values()], [c for _, c in columns.values()]])
    catalog = read_catalog(path, settings)
    assert catalog.errors == [], catalog.problems
    assert len(catalog.products) == 1
    return catalog, catalog.products[0]


def mapped_header(catalog: Catalog, field: str) -> str:
    """The header text of the column mapped to `field` (label without ' (B)')."""
    return re.sub(r" \([A-Z]+\)$", "", catalog.mapping[field])


# --- header variants -----------------------------------------------------------------------

HEADER_CASES = [
    # (header, cell, mapped field, expected attributes)
    ("品名", "陶瓷马克杯", "name", {"name": "陶瓷马克杯"}),
    ("产品名称", "陶瓷马克杯", "name", {"name": "陶瓷马克杯"}),
    ("商品标题", "北欧风陶瓷马克杯 350ml", "name", {"name": "北欧风陶瓷马克杯 350ml"}),
    ("Description", "Ceramic mug", "name", {"name": "Ceramic mug"}),
    ("Item name", "Ceramic mug", "name", {"name": "Ceramic mug"}),
    ("出厂价", "¥25.8", "cost", {"cost": Money(D("25.8"), "CNY")}),
    ("单价", 25.8, "cost", {"cost": Money(D("25.8"), "CNY")}),
    ("成本价", "25.8元", "cost", {"cost": Money(D("25.8"), "CNY")}),
    ("FOB Price (USD)", 4.15, "cost", {"cost": Money(D("4.15"), "USD")}),
    ("Price (USD/pc)", "4.15", "cost", {"cost": Money(D("4.15"), "USD")}),
    ("单价/元", 25.8, "cost", {"cost": Money(D("25.8"), "CNY")}),
    ("出厂价（元）", 25.8, "cost", {"cost": Money(D("25.8"), "CNY")}),
    ("规格", "350ml", "spec", {"spec": "350ml"}),
    ("材质", "陶瓷", "material", {"material": "陶瓷"}),
    ("颜色", "白色/蓝色", "colors", {"colors": ["白色", "蓝色"]}),
    ("尺码", "S/M/L", "sizes", {"sizes": ["S", "M", "L"]}),
    ("包装尺寸(cm)", "16*10*5", "package_size", {"package_size": Dimensions(D(16), D(10), D(5), "cm")}),
    ("包装尺寸(mm)", "160*100*50", "package_size", {"package_size": Dimensions(D(160), D(100), D(50), "mm")}),
    ("包装尺寸(长*宽*高 mm)", "160*100*50", "package_size",
     {"package_size": Dimensions(D(160), D(100), D(50), "mm")}),
    ("毛重(kg)", 0.55, "gross_weight", {"gross_weight": Quantity(D("0.55"), "kg")}),
    ("毛重(g)", 550, "gross_weight", {"gross_weight": Quantity(D("550"), "g")}),
    ("毛重/斤", 2, "gross_weight", {"gross_weight": Quantity(D("1"), "kg")}),
    ("N.W./G.W.", "12/13", "weight_pair",
     {"net_weight": Quantity(D(12), "kg"), "gross_weight": Quantity(D(13), "kg")}),
    ("N.W./G.W.(g)", "500/600", "weight_pair",
     {"net_weight": Quantity(D(500), "g"), "gross_weight": Quantity(D(600), "g")}),
    ("起订量", "500pcs", "moq", {"moq": Quantity(D(500), "pcs")}),
    ("MOQ", 500, "moq", {"moq": Quantity(D(500), "pcs")}),
    ("卖点", "容量大\n耐高温", "selling_points", {"selling_points": ["容量大", "耐高温"]}),
    ("产品卖点", "容量大；耐高温", "selling_points", {"selling_points": ["容量大", "耐高温"]}),
    ("卖点文案", "1.容量大 2.耐高温", "selling_points", {"selling_points": ["容量大", "耐高温"]}),
    ("款号", "MG-350", "sku", {"sku": "MG-350", "sku_generated": False}),
    ("商品编码", "MG-350", "sku", {"sku": "MG-350"}),
    ("Item No.", "MG-350", "sku", {"sku": "MG-350"}),
    ("SKU", "MG-350", "sku", {"sku": "MG-350"}),
    ("型号", "MG-350", "model", {"sku": "MG-350", "model": "MG-350", "sku_generated": False}),
    # full-width text, '*' marking a required column, a trailing colon
    ("ＳＫＵ", "MG-350", "sku", {"sku": "MG-350"}),
    ("Ｉｔｅｍ　Ｎｏ．", "MG-350", "sku", {"sku": "MG-350"}),
    ("*品名", "陶瓷马克杯", "name", {"name": "陶瓷马克杯"}),
    ("品名*", "陶瓷马克杯", "name", {"name": "陶瓷马克杯"}),
    ("品名：", "陶瓷马克杯", "name", {"name": "陶瓷马克杯"}),
    ("*出厂价:", "¥25.8", "cost", {"cost": Money(D("25.8"), "CNY")}),
]


@pytest.mark.parametrize(("header", "cell", "field", "expected"), HEADER_CASES,
                         ids=[f"{c[0]}={c[1]!r}" for c in HEADER_CASES])
def test_header_variant_is_mapped_and_read(xlsx, header, cell, field, expected):
    catalog, product = read_one(xlsx, header, cell, field)
    assert mapped_header(catalog, field) == header
    for attribute, value in expected.items():
        assert getattr(product, attribute) == value, attribute


def test_header_with_line_break_is_mapped(xlsx):
    path = xlsx([["款号", "品名", "出厂价\n(USD)"], ["A-1", "Mug", 4.15]])
    catalog = read_catalog(path)
    assert catalog.products[0].cost == Money(D("4.15"), "USD")


def test_better_alias_wins_when_two_columns_match_one_field(xlsx):
    path = xlsx([["款号", "Description", "Item name", "出厂价"], ["A-1", "A sturdy mug", "Mug", 5]])
    catalog = read_catalog(path)
    assert catalog.mapping["name"] == "Item name (C)"
    assert catalog.products[0].name == "Mug"
    loser = next(c for c in catalog.columns if c.header == "Description")
    assert loser.field is None and "column C is used" in loser.note


def test_project_alias_from_settings(xlsx):
    path = xlsx([["内部流水", "品名", "出厂价"], ["HP-01", "马克杯", 25.8]])
    plain = read_catalog(path)
    assert "内部流水 (A)" in plain.unmapped
    assert plain.products[0].sku_generated

    catalog = read_catalog(path, CatalogSettings(aliases={"sku": ["内部流水"]}))
    assert catalog.mapping["sku"] == "内部流水 (A)"
    assert catalog.products[0].sku == "HP-01"
    assert not catalog.products[0].sku_generated
    assert "generated-sku" not in codes(catalog)


def test_project_alias_wins_over_builtin_alias(xlsx):
    path = xlsx([["款号", "名称", "Description", "出厂价"], ["A-1", "马克杯", "A sturdy mug", 9]])
    catalog = read_catalog(path, CatalogSettings(aliases={"description": ["Description"]}))
    assert catalog.mapping["description"] == "Description (C)"
    assert catalog.products[0].name == "马克杯"
    assert catalog.products[0].description == "A sturdy mug"


def test_alias_for_unknown_field_is_a_config_error(xlsx):
    path = xlsx([["款号", "品名", "出厂价"], ["A-1", "马克杯", 25.8]])
    with pytest.raises(ConfigError, match="'colour_name' is not a product field"):
        read_catalog(path, CatalogSettings(aliases={"colour_name": ["色彩"]}))


# --- where the header is -------------------------------------------------------------------

def test_header_found_under_merged_title_date_line_and_blank_rows(xlsx):
    rows = [
        ["义乌市星辰日用品有限公司 2026年秋季产品报价单"],
        ["报价日期：", dt.date(2026, 10, 15), "有效期30天"],
        [],
        [],
        ["序号", "款号", "品名", "出厂价", "起订量"],
        [1, "A-1", "马克杯", 25.8, 500],
        [2, "A-2", "汤碗", "￥12", "100件"],
    ]
    catalog = read_catalog(xlsx(rows, merges={"产品": ["A1:E1"]}))
    assert catalog.header_row == 5
    assert [(p.row, p.sku, p.cost) for p in catalog.products] == [
        (6, "A-1", Money(D("25.8"), "CNY")), (7, "A-2", Money(D("12"), "CNY"))]
    assert catalog.problems == []
    assert catalog.unmapped == ["序号 (A)"]


# --- sheets --------------------------------------------------------------------------------

@pytest.fixture
def workbook_with_sheets(xlsx):
    return xlsx({
        "说明": [["付款方式", "30%定金，70%发货前付清"], ["交货期", "收到定金后15-25天"]],
        "产品": [["款号", "品名", "规格", "出厂价", "起订量"],
                 ["A-1", "马克杯", "350ml", 25.8, 500],
                 ["A-2", "汤碗", "6寸", 12, 100]],
        "旧款": [["款号", "品名", "出厂价"], ["OLD-1", "旧款杯", 9.9]],
        "模板": [["款号", "品名", "规格", "材质", "颜色", "出厂价", "起订量"],
                 ["T-1", "模板行", "x", "y", "红", 1, 1]],
    }, hidden=["模板"])


def test_products_are_taken_from_the_sheet_that_holds_them(workbook_with_sheets):
    catalog = read_catalog(workbook_with_sheets)
    assert catalog.sheet == "产品"
    assert catalog.sheets == ["说明", "产品", "旧款", "模板"]
    assert [p.sku for p in catalog.products] == ["A-1", "A-2"]
    assert {p.sheet for p in catalog.products} == {"产品"}


@pytest.mark.parametrize("how", ["argument", "settings"])
def test_another_sheet_can_be_picked(workbook_with_sheets, how):
    if how == "argument":
        catalog = read_catalog(workbook_with_sheets, sheet="旧款")
    else:
        catalog = read_catalog(workbook_with_sheets, CatalogSettings(sheet="旧款"))
    assert catalog.sheet == "旧款"
    assert [(p.sku, p.cost) for p in catalog.products] == [("OLD-1", Money(D("9.9"), "CNY"))]


def test_unknown_sheet_lists_the_sheets(workbook_with_sheets):
    with pytest.raises(InputError) as caught:
        read_catalog(workbook_with_sheets, sheet="新品")
    message = str(caught.value)
    assert "'新品'" in message
    assert "说明, 产品, 旧款, 模板" in message
    assert workbook_with_sheets.name in message


def test_picked_sheet_without_header_says_so(workbook_with_sheets):
    with pytest.raises(InputError, match="no header row found") as caught:
        read_catalog(workbook_with_sheets, sheet="说明")
    assert caught.value.sheet == "说明"


# --- encodings and delimiters of CSV files -------------------------------------------------

@pytest.mark.parametrize(("encoding", "prefix"), [
    ("utf-8", b""),
    ("utf-8", codecs.BOM_UTF8),
    ("gbk", b""),
    ("gb18030", b""),
    ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE),
], ids=["utf-8", "utf-8-bom", "gbk", "gb18030", "utf-16-le-bom", "utf-16-be-bom"])
def test_csv_encodings(csv_file, encoding, prefix):
    catalog = read_catalog(csv_file(CHINESE_ROWS, encoding=encoding, prefix=prefix))
    assert catalog.mapping["sku"] == "款号 (A)"  # no BOM glued to the first header
    assert catalog.errors == []
    first, second = catalog.products
    assert (first.sku, first.name, first.cost) == ("GF-500", "腐熟羊粪有机肥", Money(D("6.5"), "CNY"))
    assert first.colors == ["黄色", "黑色"]
    assert first.selling_points == ["完全腐熟，无臭味", "疏松透气"]
    assert (second.name, second.colors) == ("数字万用表", ["红色", "蓝色"])


def test_gb18030_characters_outside_gbk(csv_file):
    rows = [["款号", "品名", "出厂价"], ["JX-1", "𠮷祥如意挂件", 12]]
    with pytest.raises(UnicodeEncodeError):
        "𠮷".encode("gbk")
    catalog = read_catalog(csv_file(rows, encoding="gb18030"))
    assert catalog.products[0].name == "𠮷祥如意挂件"


def test_semicolon_delimited_csv_with_decimal_commas(csv_file):
    rows = [["款号", "品名", "单价", "颜色"], ["A-1", "杯子", "3,50", "红,黄"], ["A-2", "碗", "12,00", "蓝"]]
    catalog = read_catalog(csv_file(rows, delimiter=";"))
    assert [(p.sku, p.name, p.cost.amount, p.colors) for p in catalog.products] == [
        ("A-1", "杯子", D("3.50"), ["红", "黄"]), ("A-2", "碗", D("12.00"), ["蓝"])]


@pytest.mark.parametrize(("name", "encoding", "prefix"), [
    ("catalog.tsv", "utf-8", b""),
    ("catalog.csv", "utf-8", b""),
    ("catalog.txt", "utf-16-le", codecs.BOM_UTF16_LE),  # Excel's "Unicode text" export
])
def test_tab_delimited_text(csv_file, name, encoding, prefix):
    rows = [["款号", "品名", "单价", "卖点"],
            ["A-1", "杯子", "1,234.50", "好用\n耐用"],
            ["A-2", "碗, 大号", "12", "便宜"]]
    catalog = read_catalog(csv_file(rows, name=name, encoding=encoding, prefix=prefix, delimiter="\t"))
    assert [(p.name, p.cost.amount, p.selling_points) for p in catalog.products] == [
        ("杯子", D("1234.50"), ["好用", "耐用"]), ("碗, 大号", D("12"), ["便宜"])]


def test_csv_title_line_above_header(csv_file):
    rows = [["义乌报价单"], [], ["款号", "品名", "单价"], ["A-1", "杯子", "3.5"]]
    catalog = read_catalog(csv_file(rows))
    assert catalog.header_row == 3
    assert [(p.row, p.sku) for p in catalog.products] == [(4, "A-1")]


# --- value formats -------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "amount", "currency"), [
    ("¥25.8", "25.8", "CNY"), ("￥58", "58", "CNY"), ("25.8元", "25.8", "CNY"), ("$4.15", "4.15", "USD"),
    ("USD 4.15", "4.15", "USD"), (25.8, "25.8", "CNY"), (58, "58", "CNY"), ("1,234.50", "1234.50", "CNY"),
    ("3,50", "3.50", "CNY"), ("25.8元/个", "25.8", "CNY"),
])
def test_money_cells(xlsx, cell, amount, currency):
    _, product = read_one(xlsx, "出厂价", cell, "cost")
    assert type(product.cost.amount) is Decimal
    assert (product.cost.amount, product.cost.currency) == (D(amount), currency)
    assert product.cost.amount == D(amount)
    assert product.cost.to_json()["amount"] == plain(D(amount))  # no binary float residue


def test_currency_default_and_setting(xlsx):
    path = xlsx([["款号", "品名", "出厂价"], ["A-1", "杯子", 25.8], ["A-2", "碗", "¥12"], ["A-3", "盘", "$2"]])
    cny = {p.sku: p.cost for p in read_catalog(path).products}
    usd = {p.sku: p.cost for p in read_catalog(path, CatalogSettings(currency="USD")).products}
    assert cny == {"A-1": Money(D("25.8"), "CNY"), "A-2": Money(D("12"), "CNY"), "A-3": Money(D("2"), "USD")}
    assert usd == {"A-1": Money(D("25.8"), "USD"), "A-2": Money(D("12"), "CNY"), "A-3": Money(D("2"), "USD")}


def test_currency_in_header_wins_over_setting(xlsx):
    _, product = read_one(xlsx, "单价/元", 25.8, "cost", CatalogSettings(currency="USD"))
    assert product.cost == Money(D("25.8"), "CNY")


@pytest.mark.parametrize(("header", "cell", "value", "unit"), [
    ("毛重", "0.5kg", "0.5", "kg"),
    ("毛重", "500g", "500", "g"),
    ("毛重", "2公斤", "2", "kg"),
    ("毛重", "2斤", "1", "kg"),
    ("毛重", "1.2 lb", "1.2", "lb"),
    ("毛重", 13, "13", "kg"),
    ("毛重(kg)", 0.35, "0.35", "kg"),
    ("毛重（克）", 350, "350", "g"),
    ("重量(lb)", 2.5, "2.5", "lb"),
])
def test_weight_cells(xlsx, header, cell, value, unit):
    _, product = read_one(xlsx, header, cell, "gross_weight" if "毛重" in header else "net_weight")
    weight = product.gross_weight if "毛重" in header else product.net_weight
    assert weight == Quantity(D(value), unit)


def test_weight_unit_setting_applies_to_bare_numbers(xlsx):
    _, product = read_one(xlsx, "毛重", 350, "gross_weight", CatalogSettings(weight_unit="g"))
    assert product.gross_weight == Quantity(D(350), "g")


@pytest.mark.parametrize(("header", "cell", "sides", "unit"), [
    ("包装尺寸", "16*10*5", ("16", "10", "5"), "cm"),
    ("包装尺寸", "25×12×3", ("25", "12", "3"), "cm"),
    ("包装尺寸", "60x40x35 cm", ("60", "40", "35"), "cm"),
    ("包装尺寸", "L60*W40*H35cm", ("60", "40", "35"), "cm"),
    ("包装尺寸", "600*400*350mm", ("600", "400", "350"), "mm"),
    ("包装尺寸(mm)", "600*400*350", ("600", "400", "350"), "mm"),
])
def test_dimension_cells(xlsx, header, cell, sides, unit):
    _, product = read_one(xlsx, header, cell, "package_size")
    assert product.package_size == Dimensions(*(D(s) for s in sides), unit)


def test_length_unit_setting_applies_to_bare_dimensions(xlsx):
    _, product = read_one(xlsx, "外箱尺寸", "600*400*350", "carton_size", CatalogSettings(length_unit="mm"))
    assert product.carton_size == Dimensions(D(600), D(400), D(350), "mm")


@pytest.mark.parametrize(("cell", "net", "gross"), [
    ("12/13", "12", "13"), ("12kg/13kg", "12", "13"), ("12/13 kg", "12", "13"), ("12/13斤", "6", "6.5"),
])
def test_net_gross_pair_cells(xlsx, cell, net, gross):
    _, product = read_one(xlsx, "N.W./G.W.", cell, "weight_pair")
    assert (product.net_weight, product.gross_weight) == (Quantity(D(net), "kg"), Quantity(D(gross), "kg"))


@pytest.mark.parametrize(("header", "cell", "attribute", "items"), [
    ("颜色", "黄色/黑色", "colors", ["黄色", "黑色"]),
    ("颜色", "红、黄、蓝", "colors", ["红", "黄", "蓝"]),
    ("尺码", "S/M/L", "sizes", ["S", "M", "L"]),
])
def test_option_cells(xlsx, header, cell, attribute, items):
    _, product = read_one(xlsx, header, cell, attribute)
    assert getattr(product, attribute) == items


def test_options_make_variants(xlsx):
    path = xlsx([["款号", "品名", "出厂价", "颜色", "尺码"], ["HF-1", "马面裙", 168, "红色/蓝色", "S/M/L"]])
    product = read_catalog(path).products[0]
    assert product.options == {"colour": ["红色", "蓝色"], "size": ["S", "M", "L"]}
    assert len(product.variants) == 6
    assert {"colour": "蓝色", "size": "M"} in product.variants


@pytest.mark.parametrize(("cell", "value", "unit"), [
    (500, "500", "pcs"), ("500pcs", "500", "pcs"), ("500件", "500", "pcs"), ("20套", "20", "set"),
    ("100斤", "50", "kg"),
])
def test_moq_cells(xlsx, cell, value, unit):
    _, product = read_one(xlsx, "起订量", cell, "moq")
    assert product.moq == Quantity(D(value), unit)


@pytest.mark.parametrize("cell", [
    "防风伞骨\n轻便折叠\n遇水变色",
    "防风伞骨；轻便折叠；遇水变色",
    "1. 防风伞骨 2. 轻便折叠 3. 遇水变色",
    "①防风伞骨②轻便折叠③遇水变色",
])
def test_selling_point_cells(xlsx, cell):
    _, product = read_one(xlsx, "卖点", cell, "selling_points")
    assert product.selling_points == ["防风伞骨", "轻便折叠", "遇水变色"]


def test_text_cells_are_trimmed_and_numbers_keep_their_digits(xlsx):
    path = xlsx([["款号", "品名", "规格", "出厂价"], [10023, "  陶瓷   马克杯 ", 350, 25.8]])
    product = read_catalog(path).products[0]
    assert (product.sku, product.name, product.spec) == ("10023", "陶瓷 马克杯", "350")


def test_product_json_has_plain_money_and_units(xlsx):
    path = xlsx([["款号", "品名", "出厂价", "毛重(kg)", "包装尺寸"], ["A-1", "杯子", "¥25.80", 0.5, "16*10*5"]])
    data = read_catalog(path).products[0].to_json()
    assert data["cost"] == {"amount": "25.8", "currency": "CNY"}
    assert data["gross_weight"] == {"value": "0.5", "unit": "kg"}
    assert data["package_size"] == {"length": "16", "width": "10", "height": "5", "unit": "cm"}
    assert data["row"] == 2 and data["sku"] == "A-1"


# --- rows that are skipped and reported ----------------------------------------------------

def test_blank_summary_section_and_repeated_header_rows(xlsx):
    header = ["款号", "品名", "出厂价", "颜色"]
    rows = [
        header,                                          # 1
        ["杯子"],                                         # 2 section, merged across
        ["A-1", "马克杯", 25.8, "白色"],                    # 3
        [],                                              # 4
        [],                                              # 5
        ["A-2", "玻璃杯", 12, "透明"],                      # 6
        ["碗"],                                           # 7 section, merged across
        header,                                          # 8 header again (printed page 2)
        ["B-1", "汤碗", 15, "白色"],                        # 9
        [None, "陶瓷盘", None, "白色"],                      # 10 no cost
        ["合计", "", 52.8, ""],                             # 11
        ["备注：以上价格含税含包装，不含运费"],                    # 12 merged across
        [],                                              # 13 trailing blanks are not reported
        [],
    ]
    catalog = read_catalog(xlsx(rows, merges={"产品": ["A2:D2", "A7:D7", "A12:D12"]}))
    assert [(p.row, p.sku, p.category) for p in catalog.products] == [
        (3, "A-1", "杯子"), (6, "A-2", "杯子"), (9, "B-1", "碗")]
    found = [(p.severity, p.code, p.row) for p in catalog.problems]
    assert found == [
        ("info", "section-row", 2),
        ("info", "blank-row", 4),
        ("info", "section-row", 7),
        ("info", "repeated-header", 8),
        ("error", "no-cost", 10),
        ("info", "summary-row", 11),
        ("info", "summary-row", 12),
    ]
    assert "rows 4–5" in only_problem(catalog, "blank-row").message
    assert all(p.sheet == "产品" for p in catalog.problems)


def test_section_heading_in_a_column_other_than_name(csv_file):
    rows = [["款号", "品名", "出厂价"], ["电工工具"], ["ET-1", "万用表", 38], ["雨伞", "", ""],
            ["UM-1", "晴雨伞", 25.8]]
    catalog = read_catalog(csv_file(rows))
    assert [(p.sku, p.category) for p in catalog.products] == [("ET-1", "电工工具"), ("UM-1", "雨伞")]
    assert codes(catalog) == ["section-row", "section-row"]


def test_category_column_beats_the_section_heading(xlsx):
    rows = [["款号", "品名", "分类", "出厂价"], ["杯子"], ["A-1", "马克杯", "厨房用品", 9], ["A-2", "杯", None, 9]]
    catalog = read_catalog(xlsx(rows, merges={"产品": ["A2:D2"]}))
    assert [p.category for p in catalog.products] == ["厨房用品", "杯子"]


@pytest.mark.parametrize("first", ["Remarkable Notebook", "Totally Tubular Straw", "Noteworthy Pen Set"])
def test_product_names_that_start_like_a_summary_word_are_products(xlsx, first):
    rows = [["Item name", "FOB Price (USD)"], [first, 3.2], ["Total", 3.2], ["Remarks: FOB Ningbo", None]]
    catalog = read_catalog(xlsx(rows))
    assert [p.name for p in catalog.products] == [first]
    assert codes(catalog, "info") == ["summary-row", "summary-row"]


def test_formula_without_saved_value_is_a_no_cost_error(xlsx):
    rows = [["款号", "品名", "数量", "出厂价"], ["A-1", "马克杯", 2, "=C2*12.9"], ["A-2", "汤碗", 1, 15]]
    catalog = read_catalog(xlsx(rows))
    assert [p.sku for p in catalog.products] == ["A-2"]
    problem = only_problem(catalog, "no-cost")
    assert (problem.severity, problem.row, problem.column) == ("error", 2, "出厂价 (D)")
    assert "Excel" in problem.message and "WPS" in problem.message and "sav" in problem.message


def test_formula_in_an_unmapped_column_is_ignored(xlsx):
    rows = [["款号", "品名", "出厂价", "数量", "金额"], ["A-1", "马克杯", 12.9, 2, "=C2*D2"]]
    catalog = read_catalog(xlsx(rows))
    assert catalog.problems == []
    assert catalog.products[0].cost == Money(D("12.9"), "CNY")


# --- variants and duplicate SKUs -----------------------------------------------------------

@pytest.mark.parametrize("merged", [False, True], ids=["repeated", "merged-sku-and-name"])
def test_rows_differing_only_in_colour_are_one_product(xlsx, merged):
    rows = [["款号", "品名", "出厂价", "颜色", "尺码"],
            ["HF-M01", "明制马面裙", 168, "红色/蓝色", "S/M/L"],
            ["HF-M01", "明制马面裙", 168, "黑色", "S/M/L"],
            ["HF-S02", "褙子套装", 128, "白色", "均码"]]
    if merged:
        rows[2][0] = rows[2][1] = None
    catalog = read_catalog(xlsx(rows, merges={"产品": ["A2:A3", "B2:B3"]} if merged else None))
    skirt, jacket = catalog.products
    assert skirt.sku == "HF-M01" and jacket.sku == "HF-S02"
    assert skirt.colors == ["红色", "蓝色", "黑色"]
    assert skirt.sizes == ["S", "M", "L"]
    assert (skirt.row, skirt.variant_rows) == (2, [3])
    assert len(skirt.variants) == 9
    assert catalog.errors == []
    note = only_problem(catalog, "variant-row")
    assert (note.severity, note.row) == ("info", 3)
    assert "HF-M01" in note.message and "row 2" in note.message


def test_variant_row_with_its_own_cost_keeps_it(xlsx):
    rows = [["款号", "品名", "出厂价", "颜色"],
            ["A-1", "马克杯", 25.8, "白色"],
            ["A-1", "马克杯", 30, "黑色"],
            ["A-2", "汤碗", 12, "白色"]]
    catalog = read_catalog(xlsx(rows))
    mug, bowl = catalog.products
    assert (mug.sku, mug.cost.amount, mug.colors) == ("A-1", D("25.8"), ["白色", "黑色"])
    assert mug.cost_for({"colour": "黑色"}).amount == D("30")
    assert mug.cost_for({"colour": "白色"}).amount == D("25.8")
    assert bowl.variant_costs == [] and catalog.errors == []
    note = only_problem(catalog, "variant-row")
    assert note.row == 3 and "30 CNY applies to 黑色" in note.message


def test_same_sku_same_options_another_cost_is_a_duplicate(xlsx):
    rows = [["款号", "品名", "出厂价", "颜色"],
            ["A-1", "马克杯", 25.8, "白色"],
            ["A-1", "马克杯", 30, "白色"],
            ["A-2", "汤碗", 12, "白色"]]
    catalog = read_catalog(xlsx(rows))
    assert [(p.sku, p.cost.amount, p.colors) for p in catalog.products] == [
        ("A-1", D("25.8"), ["白色"]), ("A-2", D("12"), ["白色"])]
    problem = only_problem(catalog, "duplicate-sku")
    assert (problem.severity, problem.sheet, problem.row, problem.column) == ("error", "产品", 3, "款号 (A)")
    assert "row 2" in problem.message


# --- row problems --------------------------------------------------------------------------

def test_bad_rows_are_reported_with_sheet_row_and_column_and_good_rows_kept(xlsx):
    rows = [
        ["款号", "品名", "出厂价", "卖点"],
        ["A-1", "马克杯", 25.8, "容量大"],           # 2 good
        ["A-2", "汤碗", "abc", ""],                # 3 not a price
        ["A-3", "盘子", -5, ""],                   # 4 negative
        ["A-4", "筷子", 0, ""],                    # 5 zero
        ["A-5", "勺子", "10-20", ""],              # 6 price range
        ["A-6", None, 12, "好用"],                 # 7 no name
        ["A-7", "碗架", None, "好用"],              # 8 no cost
        ["A-1", "马克杯", 30, "容量大"],             # 9 duplicate SKU
        ["A-8", "长文案杯", 9.9, "好" * 100_000],    # 10 absurdly long
        ["A-9", "茶杯", "￥8.5", "薄胎"],            # 11 good
    ]
    path = xlsx(rows)
    catalog = read_catalog(path)
    assert [(p.row, p.sku) for p in catalog.products] == [(2, "A-1"), (11, "A-9")]
    assert catalog.products[0].cost == Money(D("25.8"), "CNY")
    found = {(p.row, p.code, p.column): p for p in catalog.errors}
    assert set(found) == {
        (3, "bad-value", "出厂价 (C)"),
        (4, "bad-value", "出厂价 (C)"),
        (5, "bad-value", "出厂价 (C)"),
        (6, "bad-value", "出厂价 (C)"),
        (7, "no-name", "品名 (B)"),
        (8, "no-cost", "出厂价 (C)"),
        (9, "duplicate-sku", "款号 (A)"),
        (10, "bad-value", "卖点 (D)"),
    }
    assert all(p.sheet == "产品" and p.file == str(path) for p in catalog.problems)
    assert "'abc' is not a price" in found[3, "bad-value", "出厂价 (C)"].message
    assert "negative" in found[4, "bad-value", "出厂价 (C)"].message
    assert "zero" in found[5, "bad-value", "出厂价 (C)"].message
    assert "price range" in found[6, "bad-value", "出厂价 (C)"].message
    long_cell = found[10, "bad-value", "卖点 (D)"].message
    assert "characters" in long_cell and "5,000" in long_cell
    assert len(long_cell) < 300  # the message does not carry the cell
    line = str(found[3, "bad-value", "出厂价 (C)"])
    assert line.startswith(f"{path}, sheet 产品, row 3, column 出厂价 (C): ")


def test_long_cell_in_csv_names_its_length(csv_file):
    rows = [["款号", "品名", "出厂价", "卖点"], ["A-1", "杯", 9, "长" * 100_000], ["A-2", "碗", 8, "短"]]
    catalog = read_catalog(csv_file(rows))
    assert [p.sku for p in catalog.products] == ["A-2"]
    problem = only_problem(catalog, "bad-value")
    assert (problem.row, problem.column) == (2, "卖点 (D)")
    assert "100,000 characters" in problem.message


def test_bad_optional_value_names_its_column(xlsx):
    rows = [["款号", "品名", "出厂价", "毛重", "包装尺寸", "起订量"],
            ["A-1", "杯", 9, "heavy", "16*10*5", 500],
            ["A-2", "碗", 8, 0.5, "16*10", 500],
            ["A-3", "盘", 7, 0.5, "16*10*5", "lots"],
            ["A-4", "勺", 6, 0.5, "16*10*5", 500]]
    catalog = read_catalog(xlsx(rows))
    # a weight or size the price needs stops its row; a minimum order no listing or price uses leaves out only its
    # cell, with a warning ('300/色' once threw away a whole product)
    assert [p.sku for p in catalog.products] == ["A-3", "A-4"]
    assert [(p.row, p.column) for p in catalog.errors] == [(2, "毛重 (D)"), (3, "包装尺寸 (E)")]
    moq = [p for p in catalog.problems if p.code == "bad-value" and p.severity == "warning"]
    assert [(p.row, p.column) for p in moq] == [(4, "起订量 (F)")] and "the rest of the row is read" in moq[0].message


def rows_without_sku(order: list[int]) -> list[list[object]]:
    products = [["陶瓷马克杯", "350ml", "陶瓷", 25.8], ["不锈钢汤碗", "6寸", "304不锈钢", 12],
                ["玻璃杯", "300ml", "高硼硅玻璃", 9.5]]
    return [["品名", "规格", "材质", "出厂价"]] + [products[i] for i in order]


def test_row_without_sku_gets_a_stable_generated_sku(xlsx, tmp_path):
    first = read_catalog(xlsx(rows_without_sku([0, 1, 2]), name="a.xlsx"))
    again = read_catalog(xlsx(rows_without_sku([0, 1, 2]), name="b.xlsx"))
    shuffled = read_catalog(xlsx(rows_without_sku([2, 0, 1]), name="c.xlsx"))

    def skus(catalog):
        return {p.name: p.sku for p in catalog.products}

    assert skus(first) == skus(again) == skus(shuffled)
    assert len(set(skus(first).values())) == 3
    assert all(re.fullmatch(r"XB-[0-9A-F]{8}", sku) for sku in skus(first).values())
    assert all(p.sku_generated for p in first.products)
    warnings = [p for p in first.problems if p.code == "generated-sku"]
    assert [(w.severity, w.row) for w in warnings] == [("warning", 2), ("warning", 3), ("warning", 4)]
    assert first.products[0].sku in warnings[0].message
    assert first.errors == []


def test_generated_sku_ignores_price_but_follows_name_and_spec(xlsx):
    base = read_catalog(xlsx([["品名", "规格", "出厂价"], ["杯", "350ml", 9]], name="a.xlsx")).products[0]
    other_price = read_catalog(xlsx([["品名", "规格", "出厂价"], ["杯", "350ml", 10]], name="b.xlsx")).products[0]
    other_spec = read_catalog(xlsx([["品名", "规格", "出厂价"], ["杯", "500ml", 9]], name="c.xlsx")).products[0]
    assert base.sku == other_price.sku != other_spec.sku


def test_model_column_is_the_sku_when_there_is_none(xlsx):
    catalog = read_catalog(xlsx([["型号", "品名", "出厂价"], ["ET-101", "万用表", 38]]))
    product = catalog.products[0]
    assert (product.sku, product.model, product.sku_generated) == ("ET-101", "ET-101", False)
    assert "generated-sku" not in codes(catalog)


# --- files that cannot be read at all (the files are made in conftest.BAD_FILES) -------------

@pytest.mark.parametrize(("make", "says"), BAD_FILES, ids=BAD_IDS)
def test_unusable_file_is_an_input_error(tmp_path, make, says):
    path = make(tmp_path)
    with pytest.raises(InputError) as caught:
        read_catalog(path)
    assert says in str(caught.value)
    assert caught.value.file == str(path)
    assert str(caught.value).startswith(str(path))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("headers", "missing"), [(["款号", "出厂价", "颜色"], "name"),
                                                  (["款号", "品名", "颜色"], "cost")])
def test_missing_column_message_lists_headers_and_the_fix(xlsx, headers, missing):
    with pytest.raises(InputError) as caught:
        read_catalog(xlsx([headers, ["A-1", "x", "红"]]))
    message = str(caught.value)
    assert f"no {missing} column" in message
    assert "headers found: " + ", ".join(headers) in message
    assert f"[catalog.aliases] {missing} = " in message
    assert "[catalog.aliases]" in message
    assert caught.value.row == 1


def test_missing_cost_column_can_be_fixed_with_an_alias(tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", [["款号", "品名", "报价"], ["A-1", "杯", 9]])
    with pytest.raises(InputError, match="no cost column"):
        read_catalog(path)
    catalog = read_catalog(path, CatalogSettings(aliases={"cost": ["报价"]}))
    assert catalog.products[0].cost == Money(D("9"), "CNY")


@pytest.mark.parametrize("first, summary", [
    ("合计", True), ("合计：1234元", True), ("备注：含税", True), ("Total", True), ("Total: 1,234.50", True),
    ("Grand Total 98", True), ("Remarks: prices include tax", True),
    ("Total Care Toothpaste", False), ("Totally Tubular Straw", False), ("Remarkable Notebook", False),
])
def test_summary_rows_and_products_named_like_them(first, summary):
    from xborder.catalog.header import HeaderMap
    from xborder.catalog.reader import _is_summary
    from xborder.catalog.cells import normalize

    assert _is_summary(normalize(first), HeaderMap().summary_markers) is summary


def test_a_bilingual_row_number_header_is_ignored_not_an_attribute(xlsx):
    catalog = read_catalog(xlsx([["序号 No.", "品名 Product", "出厂价 EXW Price (RMB)"], [1, "杯", 9], [2, "碗", 8]]))
    assert [c.role for c in catalog.columns][0] == "ignored"
    assert all(not p.attributes for p in catalog.products)
