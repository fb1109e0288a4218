"""The cell parsers: money, numbers, weights, dimensions, options, selling points, counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xborder.catalog.cells import (CellError, normalize, parse_count, parse_dimensions, parse_list,
                                   parse_lines, parse_money, parse_number, parse_weight,
                                   parse_weight_pair, to_text, unit_hint)
from xborder.catalog.header import HeaderMap
from xborder.values import Dimensions, Money, Quantity

D = Decimal


# --- money ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "amount", "currency"), [
    ("¥25.8", "25.8", "CNY"),
    ("￥58", "58", "CNY"),
    ("25.8元", "25.8", "CNY"),
    ("25.8 元", "25.8", "CNY"),
    ("$4.15", "4.15", "USD"),
    ("USD 4.15", "4.15", "USD"),
    ("usd4.15", "4.15", "USD"),
    ("US$3", "3", "USD"),
    ("RMB 12", "12", "CNY"),
    ("1,234.50", "1234.50", "CNY"),
    ("3,50", "3.50", "CNY"),
    ("1.234,56", "1234.56", "CNY"),
    ("25.8元/个", "25.8", "CNY"),
    ("25元/套", "25", "CNY"),
    ("12 USD/pc", "12", "USD"),
    ("25.8元每个", "25.8", "CNY"),
    ("１２．５元", "12.5", "CNY"),  # full-width digits
    ("€9.90", "9.90", "EUR"),
    (25.8, "25.8", "CNY"),
    (58, "58", "CNY"),
    (58.0, "58", "CNY"),
    (0.1, "0.1", "CNY"),
])
def test_parse_money_reads_amount_as_exact_decimal(cell, amount, currency):
    money = parse_money(cell, "CNY")
    assert isinstance(money, Money)
    assert type(money.amount) is Decimal
    assert money.amount == D(amount)
    assert money.currency == currency


def test_numeric_cell_takes_the_column_currency_without_float_noise():
    money = parse_money(4.15, "USD")
    assert money == Money(D("4.15"), "USD")
    assert str(money.amount) == "4.15"  # not 4.1500000000000003552713678800500929355621337890625


def test_written_currency_wins_over_the_column_currency():
    assert parse_money("¥25.8", "USD") == Money(D("25.8"), "CNY")
    assert parse_money("25.8", "USD") == Money(D("25.8"), "USD")


@pytest.mark.parametrize(("cell", "says"), [
    ("abc", "is not a price"),
    ("面议", "is not a price"),
    ("25.8 kg", "is not a price"),
    ("-5", "negative"),
    (-5, "negative"),
    ("0", "zero"),
    (0, "zero"),
    ("¥0.00", "zero"),
    ("10-20", "price range"),
    ("¥10~20", "price range"),
    ("10 至 20 元", "price range"),
    ("¥25 USD", "two currencies"),
    ("2 for 25", "is not a price"),
])
def test_parse_money_rejects_what_is_not_one_price(cell, says):
    with pytest.raises(CellError, match=says) as caught:
        parse_money(cell, "CNY")
    assert str(cell) in str(caught.value)  # the message quotes the cell


# --- numbers and text ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "number"), [
    ("25.8", "25.8"), ("1,234.5", "1234.5"), ("1,234", "1234"), ("1.234,56", "1234.56"),
    ("3,50", "3.50"), ("1'234", "1234"), ("-2", "-2"), ("1 234", "1234"),
])
def test_parse_number(text, number):
    assert parse_number(text) == D(number)


@pytest.mark.parametrize("text", ["abc", "inf", "NaN", ""])
def test_parse_number_rejects_non_numbers(text):
    with pytest.raises(CellError):
        parse_number(text)


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (1.0, "1"), (25.8, "25.8"), (3, "3"), (True, "TRUE"), ("  x  ", "x"),
    (float("nan"), ""), (dt.date(2026, 10, 15), "2026-10-15"),
])
def test_to_text(value, text):
    assert to_text(value) == text


def test_normalize_folds_full_width_and_case():
    assert normalize("ＦＯＢ　Ｐｒｉｃｅ（ＵＳＤ）") == "fob price(usd)"


@pytest.mark.parametrize(("hint", "unit"), [
    ("USD", "USD"), ("元", "CNY"), ("RMB", "CNY"), ("￥", "CNY"), ("kg", "kg"), ("ＫＧ", "kg"),
    ("g", "g"), ("cm", "cm"), ("mm", "mm"), ("含税", None),
    # a price or weight "per piece" in the header still names its unit
    ("USD/pc", "USD"), ("美元/个", "USD"), ("元/个", "CNY"), ("kg/个", "kg"),
    # 长*宽*高 before the unit of a size column (header keys have '*' and spaces removed)
    ("长宽高cm", "cm"), ("l×w×hmm", "mm"), ("lxwxhcm", "cm"), ("lb", "lb"),
])
def test_unit_hint(hint, unit):
    assert unit_hint(hint) == unit


# --- weights -------------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "default", "value", "unit"), [
    ("0.5kg", "kg", "0.5", "kg"),
    ("0.5 KG", "kg", "0.5", "kg"),
    ("500g", "kg", "500", "g"),
    ("500克", "kg", "500", "g"),
    ("2公斤", "kg", "2", "kg"),
    ("2斤", "kg", "1", "kg"),  # 斤 is half a kilogram
    ("1斤", "g", "0.5", "kg"),
    ("1.2 lb", "kg", "1.2", "lb"),
    ("1.2lbs", "kg", "1.2", "lb"),
    (13, "kg", "13", "kg"),  # a number takes the column's unit
    ("13", "kg", "13", "kg"),
    (500, "g", "500", "g"),
    (0.55, "kg", "0.55", "kg"),
    ("0.3kg/个", "kg", "0.3", "kg"),
    ("约0.5kg", "kg", "0.5", "kg"),  # a weight measured about is still the weight a clerk uses
    ("approx. 500g", "kg", "500", "g"),
])
def test_parse_weight(cell, default, value, unit):
    weight = parse_weight(cell, default)
    assert weight == Quantity(D(value), unit)
    assert type(weight.value) is Decimal


@pytest.mark.parametrize("cell", ["abc", "-1kg", "5 cm", "约abc"])
def test_parse_weight_rejects_non_weights(cell):
    with pytest.raises(CellError):
        parse_weight(cell)


@pytest.mark.parametrize(("cell", "net", "gross"), [
    ("12/13", ("12", "kg"), ("13", "kg")),
    ("12kg/13kg", ("12", "kg"), ("13", "kg")),
    ("12/13 kg", ("12", "kg"), ("13", "kg")),
    ("500g/600g", ("500", "g"), ("600", "g")),
    ("12/13斤", ("6", "kg"), ("6.5", "kg")),
])
def test_parse_weight_pair(cell, net, gross):
    assert parse_weight_pair(cell) == (Quantity(D(net[0]), net[1]), Quantity(D(gross[0]), gross[1]))


@pytest.mark.parametrize(("cell", "says"), [
    ("12", "not a net/gross weight pair"),
    ("12/", "not a net/gross weight pair"),
    ("13/12", "gross weight is below net weight"),
])
def test_parse_weight_pair_rejects(cell, says):
    with pytest.raises(CellError, match=says):
        parse_weight_pair(cell)


# --- dimensions ----------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "default", "sides", "unit"), [
    ("16*10*5", "cm", ("16", "10", "5"), "cm"),
    ("25×12×3", "cm", ("25", "12", "3"), "cm"),
    ("60x40x35 cm", "cm", ("60", "40", "35"), "cm"),
    ("60X40X35", "cm", ("60", "40", "35"), "cm"),
    ("L60*W40*H35cm", "cm", ("60", "40", "35"), "cm"),
    ("60cm*40cm*35cm", "cm", ("60", "40", "35"), "cm"),
    ("长60*宽40*高35", "cm", ("60", "40", "35"), "cm"),
    ("160*100*50mm", "cm", ("160", "100", "50"), "mm"),
    ("160*100*50", "mm", ("160", "100", "50"), "mm"),
    ("16 * 4 * 2.5", "cm", ("16", "4", "2.5"), "cm"),
    ("１６＊１０＊５", "cm", ("16", "10", "5"), "cm"),
])
def test_parse_dimensions(cell, default, sides, unit):
    assert parse_dimensions(cell, default) == Dimensions(*(D(s) for s in sides), unit)


@pytest.mark.parametrize(("cell", "says"), [
    ("60*40", "length×width×height"),
    ("60*40*35*10", "length×width×height"),
    ("big", "length×width×height"),
    ("0*40*35", "every side must be above 0"),
    ("60cm*40mm*35cm", "mixes units"),
])
def test_parse_dimensions_rejects(cell, says):
    with pytest.raises(CellError, match=says):
        parse_dimensions(cell)


# --- variant options and selling points ----------------------------------------------------

@pytest.mark.parametrize(("cell", "items"), [
    ("黄色/黑色", ["黄色", "黑色"]),
    ("S/M/L", ["S", "M", "L"]),
    ("红、黄、蓝", ["红", "黄", "蓝"]),
    ("红,黄，蓝", ["红", "黄", "蓝"]),
    ("红色 / 蓝色", ["红色", "蓝色"]),
    ("红/红/黄", ["红", "黄"]),
    ("均码", ["均码"]),
    ("", []),
])
def test_parse_list(cell, items):
    assert parse_list(cell) == items


@pytest.mark.parametrize(("cell", "items"), [
    ("完全腐熟，无臭味\n大包装更实惠\n适用于菜园、果树", ["完全腐熟，无臭味", "大包装更实惠", "适用于菜园、果树"]),
    ("声光报警；非接触检测，更安全", ["声光报警", "非接触检测，更安全"]),
    ("1.完全腐熟 2.疏松透气 3.适用于多肉", ["完全腐熟", "疏松透气", "适用于多肉"]),
    ("1. Waterproof 2. Light 3. Folds small", ["Waterproof", "Light", "Folds small"]),
    ("①VDE认证，耐压1000V ②铬钒钢刀头 ③双色防滑手柄", ["VDE认证，耐压1000V", "铬钒钢刀头", "双色防滑手柄"]),
    ("• 轻便\n• 防风", ["轻便", "防风"]),
    ("缓释长效，约3个月；颗粒1.5mm不烧根", ["缓释长效，约3个月", "颗粒1.5mm不烧根"]),
    ("a\r\n\r\nb", ["a", "b"]),
])
def test_parse_lines(cell, items):
    assert parse_lines(cell) == items


# --- counts (MOQ) --------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "value", "unit"), [
    (500, "500", "pcs"),
    (500.0, "500", "pcs"),
    ("500", "500", "pcs"),
    ("500pcs", "500", "pcs"),
    ("500 PCS", "500", "pcs"),
    ("500件", "500", "pcs"),
    ("50个", "50", "pcs"),
    ("20套", "20", "set"),
    ("200袋", "200", "pack"),
    ("10双", "10", "pair"),
    ("10箱", "10", "carton"),
    ("≥500", "500", "pcs"),
    ("MOQ: 500", "500", "pcs"),
    ("500+", "500", "pcs"),
    ("100斤", "50", "kg"),  # farm produce by weight
    ("20kg", "20", "kg"),
])
def test_parse_count(cell, value, unit):
    assert parse_count(cell) == Quantity(D(value), unit)


@pytest.mark.parametrize(("cell", "says"), [
    ("0", "whole number above 0"),
    ("1.5", "whole number above 0"),
    ("abc", "no number"),
    ("500 cm", "not a quantity"),
])
def test_parse_count_rejects(cell, says):
    with pytest.raises(CellError, match=says):
        parse_count(cell)


# --- header matching -----------------------------------------------------------------------

@pytest.mark.parametrize(("header", "field", "unit"), [
    ("品名", "name", None), ("产品名称", "name", None), ("商品标题", "name", None),
    ("Description", "name", None), ("Item name", "name", None),
    ("出厂价", "cost", None), ("单价", "cost", None), ("成本价", "cost", None),
    ("FOB Price (USD)", "cost", "USD"), ("出厂价（元）", "cost", "CNY"), ("单价/元", "cost", "CNY"),
    ("Unit Price(RMB)", "cost", "CNY"), ("Price $", "cost", "USD"), ("出厂价(含税)", "cost", None),
    ("Price (USD/pc)", "cost", "USD"), ("单价（美元/个）", "cost", "USD"),
    ("规格", "spec", None), ("材质", "material", None), ("颜色", "colors", None), ("尺码", "sizes", None),
    ("包装尺寸(cm)", "package_size", "cm"), ("包装尺寸(长*宽*高 mm)", "package_size", "mm"),
    ("Carton size (L×W×H cm)", "carton_size", "cm"),
    ("毛重(kg)", "gross_weight", "kg"), ("毛重（ＫＧ）", "gross_weight", "kg"), ("重量g", "net_weight", "g"),
    ("N.W./G.W.", "weight_pair", None), ("N.W./G.W.(kg)", "weight_pair", "kg"), ("净重/毛重", "weight_pair", None),
    ("起订量", "moq", None), ("MOQ", "moq", None), ("ＭＯＱ", "moq", None),
    ("卖点", "selling_points", None), ("产品卖点", "selling_points", None), ("卖点文案", "selling_points", None),
    ("款号", "sku", None), ("商品编码", "sku", None), ("Item No.", "sku", None), ("SKU", "sku", None),
    ("Ｉｔｅｍ　Ｎｏ．", "sku", None), ("型号", "model", None),
    ("*品名", "name", None), ("品名*", "name", None), ("品名：", "name", None), ("出厂价:", "cost", None),
    ("Pcs/Ctn", "carton_qty", None),
])
def test_header_match(header, field, unit):
    found = HeaderMap().match(header)
    assert found is not None, header
    assert (found[0], found[2]) == (field, unit)


@pytest.mark.parametrize("header", ["序号", "金额", "内部流水", "", "   "])
def test_header_match_leaves_unknown_headers_alone(header):
    assert HeaderMap().match(header) is None


def test_project_alias_maps_and_wins_over_builtin():
    header_map = HeaderMap({"sku": ["货品编号"], "description": ["Description"]})
    assert header_map.match("货品编号")[0] == "sku"
    assert header_map.match("Description")[0] == "description"
