"""Prices a seller can trust: unit weights from real factory sheets, every fee, duty and tax, findings."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from conftest import write_xlsx
from xborder.catalog import read_catalog
from xborder.catalog.model import Product
from xborder.config import CatalogSettings
from xborder.markets import build_market, load_markets
from xborder.pricing import FxTable, quote_price
from xborder.settings import PricingSettings, pricing_settings
from xborder.values import Dimensions, Money, Quantity

PINNED = dt.date(2025, 6, 2)
FREIGHT = {"freight_per_kg": "38", "freight_per_unit": "1.5", "freight_currency": "CNY", "fulfilment": "direct"}


@pytest.fixture(scope="module")
def fx() -> FxTable:
    return FxTable(PINNED)


def market(key: str, **changes):
    return build_market(key, load_markets({key: changes} if changes else None)[key])


def by_sku(path: Path) -> dict[str, Product]:
    return {p.sku: p for p in read_catalog(path, CatalogSettings()).products}


# --- weights from sheets that look like the ones factories send --------------------------------------

def test_an_export_quote_sheet_with_net_gross_per_carton_is_priced_per_umbrella(tmp_path, fx):
    path = write_xlsx(tmp_path / "umbrella-quote.xlsx", {"报价单": [
        ["宁波晴天伞业 出口报价单 / Export Quotation", None, None, None, None, None, None],
        ["Date: 2026-11-01", None, None, None, None, None, None],
        ["Item No.", "Description", "Size", "FOB Price (USD)", "PCS/CTN", "N.W./G.W.(kg)", "Meas.(cm)"],
        ["UM-88", "遇水变色三折伞", "8骨 105cm", 3.2, 12, "12/13", "60*40*35"],
        ["UM-21", "自动折叠伞", "10骨 110cm", 4.15, 24, "10.5/11.5", "62x42x36"],
        ["Remarks: prices valid 30 days", None, None, None, None, None, None],
    ]}, merges={"报价单": ["A1:G1"]})
    catalog = read_catalog(path, CatalogSettings())
    products = {p.sku: p for p in catalog.products}
    assert products["UM-88"].gross_weight == Quantity(D("1.0833"), "kg")
    assert products["UM-88"].carton_gross_weight == Quantity(D(13), "kg")
    assert products["UM-21"].gross_weight == Quantity(D("0.4792"), "kg")
    assert [p.code for p in catalog.problems if p.code == "weight-per-carton"] == ["weight-per-carton"] * 2

    q = quote_price(products["UM-88"], market("amazon-us"), pricing_settings(FREIGHT), fx)
    # chargeable: carton 60×40×35 cm ÷ 12 = 7,000 cm³ → 1.1667 kg volumetric (air cargo, 6,000) > 1.0833 kg
    assert q.weight_kg.quantize(D("0.0001")) == D("1.1667")
    assert q.price < D(25)  # a USD 3.20 umbrella, not USD 144.99
    assert q.freight > 0 and q.price >= q.break_even


def test_a_carton_size_without_units_per_carton_is_reported_not_used(fx):
    kettle = Product("KT-100", "电热水壶", Money(D("8.5"), "USD"), "f.xlsx", "Products", 2,
                     gross_weight=Quantity(D("1.2"), "kg"), carton_size=Dimensions(D(22), D(18), D(25), "cm"))
    q = quote_price(kettle, market("amazon-us"), pricing_settings(FREIGHT), fx)
    assert q.weight_kg == D("1.2")  # no volumetric weight from a box whose units are unknown
    [finding] = [f for f in q.findings if f.code == "carton-size-unused"]
    assert finding.severity == "warning" and "22×18×25 cm" in finding.message and "装箱数" in finding.message
    boxed = quote_price(Product("KT-100", "电热水壶", Money(D("8.5"), "USD"), "f.xlsx", "Products", 2,
                                gross_weight=Quantity(D("1.2"), "kg"), carton_size=kettle.carton_size,
                                carton_qty=Quantity(D(1), "pcs")), market("amazon-us"), pricing_settings(FREIGHT), fx)
    assert boxed.weight_kg > D("1.2") and not [f for f in boxed.findings if f.code == "carton-size-unused"]


def test_explicit_carton_weight_columns_are_divided_by_units_per_carton(tmp_path):
    path = write_xlsx(tmp_path / "tools.xlsx", [
        ["货号", "品名", "出厂价", "装箱数", "外箱毛重", "外箱净重", "外箱尺寸"],
        ["ET-101", "数字万用表", "38元", "40个", "16kg", "14kg", "50*35*30"],
        ["ET-102", "测电笔", "4.5元", "", "9kg", "", "40*30*20"],
    ])
    catalog = read_catalog(path, CatalogSettings())
    products = {p.sku: p for p in catalog.products}
    assert products["ET-101"].gross_weight == Quantity(D("0.4"), "kg")
    assert products["ET-101"].net_weight == Quantity(D("0.35"), "kg")
    assert products["ET-102"].gross_weight is None  # a carton weight without units per carton is not a unit weight
    [warning] = [p for p in catalog.problems if p.code == "carton-weight-without-quantity"]
    assert warning.row == 3 and "装箱数" in warning.message


def test_net_content_in_jin_gongjin_and_bags_is_the_net_weight(tmp_path, fx):
    path = write_xlsx(tmp_path / "garden.xlsx", [
        ["商品编码", "品名", "净含量", "出厂价", "卖点"],
        ["GF-40", "腐熟羊粪有机肥", "40公斤", "38", "完全腐熟"],
        ["GF-5J", "多肉专用缓释肥", "5斤", "12", "缓释"],
        ["GF-2K", "通用营养土", "2kg/包", "6", ""],
        ["GF-500", "液体叶面肥", "500ml", "8", ""],
    ])
    products = by_sku(path)
    assert products["GF-40"].net_weight.in_kg() == D(40)
    assert products["GF-5J"].net_weight.in_kg() == D("2.5")
    assert products["GF-2K"].net_weight.in_kg() == D(2)
    assert products["GF-500"].net_weight.in_kg() == D("0.5")
    q = quote_price(products["GF-40"], market("amazon-us"), pricing_settings(FREIGHT), fx)
    # 40 kg × 38 CNY + 1.5 CNY of freight: the bag is never priced as weightless
    assert q.freight == (D(40) * 38 + D("1.5")) * q.freight_fx.rate
    assert q.price > D(200)


def test_a_sheet_without_weights_leaves_every_price_unconfirmed_until_the_project_gives_one(tmp_path, fx,
                                                                                        run_cli):
    path = write_xlsx(tmp_path / "noweight.xlsx", [
        ["款号", "品名", "类目", "出厂价", "建议零售价"],
        ["ET-101", "数字万用表", "电工工具", "38", "¥129"],
        ["ET-205", "测电笔", "电工工具", "4.5", "¥19.9"],
    ])
    products = by_sku(path)
    q = quote_price(products["ET-101"], market("amazon-us"), pricing_settings(FREIGHT), fx)
    assert not q.confirmed and [f.code for f in q.findings if f.severity == "error"] == ["no-weight"]
    given = pricing_settings({**FREIGHT, "weights": {"电工工具": "0.45kg", "ET-205": "60g"}})
    q = quote_price(products["ET-101"], market("amazon-us"), given, fx)
    assert q.confirmed and q.weight_kg == D("0.45")
    assert "[pricing.weights] 电工工具" in q.steps[1].source
    assert quote_price(products["ET-205"], market("amazon-us"), given, fx).weight_kg == D("0.060")

    (tmp_path / "xborder.toml").write_text('[project]\nmarkets = ["amazon-us"]\n[pricing]\nfreight_per_kg = "38"\n'
                                           'fulfilment = "direct"\n', encoding="utf-8")
    result = run_cli("price", "noweight.xlsx", "--fx-date", "2025-06-02")
    assert result.exit_code == 1 and "2 price(s) unconfirmed" in result.stderr
    result = run_cli("build", "noweight.xlsx", "--fx-date", "2025-06-02")
    assert result.exit_code == 1
    listing = json.loads((tmp_path / "dist" / "amazon-us.json").read_text(encoding="utf-8"))["listings"][0]
    assert {"check": "no-weight", "severity": "error", "field": "price"}.items() <= listing["findings"][0].items()


def test_a_price_below_the_factorys_suggested_retail_price_is_a_finding(fx):
    p = Product("ET-205", "测电笔", Money(D("4.5"), "CNY"), "f", "s", 2, retail_price=Money(D("199"), "CNY"),
                gross_weight=Quantity(D("0.05"), "kg"))
    q = quote_price(p, market("amazon-us"), pricing_settings(FREIGHT), fx)
    [finding] = [f for f in q.findings if f.code == "below-retail"]
    assert "199 CNY" in finding.message and finding.severity == "warning"


# --- every cost a marketplace charges, hand-computed ------------------------------------------------

def product(amount: str, currency: str = "USD", **values) -> Product:
    return Product("T-1", "测试", Money(D(amount), currency), "t.xlsx", "s", 2, **values)


def test_a_category_referral_rate_with_its_per_item_minimum(fx):
    m = market("amazon-us", referral={"default": "other", "categories": {
        "electronics": {"rate": "0.08", "minimum": "0.30", "match": ["电工", "electronics"]},
        "other": {"rate": "0.15", "minimum": "0.30"}}})
    s = PricingSettings(fulfilment="direct")
    q = quote_price(product("2", category="电工工具"), m, s, fx)
    # 8% would be below the $0.30 minimum at this price: N = (2 + 0.30) / 0.70 = 3.2857 → $3.99
    assert q.before_tax.quantize(D("0.0001")) == D("3.2857")
    assert q.price == D("3.99")
    assert q.referral_fee == D("0.3192")  # at $3.99 the 8% is above the minimum again
    assert "electronics" in q.steps[4].source or "electronics" in " ".join(st.source for st in q.steps)
    other = quote_price(product("2", category="家居"), m, s, fx)
    assert other.referral_fee == D("0.15") * other.price


def test_a_fulfilment_fee_from_a_size_tier_table(fx):
    m = market("amazon-us", fba={"source": "test rate card", "tiers": [
        {"name": "Small standard", "max_cm": ["38.1", "30.48", "1.905"], "max_kg": "0.4536",
         "steps": [{"up_to_kg": "0.1134", "fee": "3.06"}, {"up_to_kg": "0.2268", "fee": "3.15"}]},
        {"name": "Large standard", "max_cm": ["45.72", "35.56", "20.32"], "max_kg": "9.07",
         "steps": [{"up_to_kg": "0.4536", "fee": "3.68"}, {"up_to_kg": "0.9072", "fee": "4.55"}],
         "above": {"over_kg": "0.9072", "per_kg": "0.88"}}]})
    box = Dimensions(D(20), D(15), D(5), "cm")
    q = quote_price(product("5", gross_weight=Quantity(D("0.3"), "kg"), package_size=box), m, PricingSettings(), fx)
    # 5 cm is too thick for small standard: large standard up to 0.4536 kg → $3.68
    assert q.fulfilment == "marketplace" and q.fulfilment_fee == D("3.68") and q.confirmed
    # (5 + 3.68) / (1 − 0.30 − 0.15) = 15.7818 → $15.99
    assert q.price == D("15.99")
    heavy = quote_price(product("5", gross_weight=Quantity(D("2.4"), "kg"), package_size=box), m, PricingSettings(),
                        fx)
    assert heavy.fulfilment_fee == D("4.55") + D("0.88") * 2  # 1.49 kg over 0.9072 kg: two started kilograms


@pytest.mark.parametrize("key, cost, currency, rate, price", [
    # 10 EUR + €3 duty; fee on the gross price 0.15 × 1.07: 13 / (0.70 − 0.1605) × 1.07 = 25.7831 → 25.99
    ("amazon-de", "10", "EUR", "0.07", "25.99"),
    # 1000 JPY; 1000 / (0.70 − 0.15 × 1.08) × 1.08 = 2007.43 → step 100 ending 80 → ¥2,080
    ("amazon-jp", "1000", "JPY", "0.08", "2080"),
])
def test_food_pays_the_reduced_rate(fx, key, cost, currency, rate, price):
    q = quote_price(product(cost, currency, category="茶叶"), market(key), PricingSettings(fulfilment="direct"), fx)
    assert q.tax_rate == D(rate) and q.tax_class == "food"
    assert q.price == D(price)
    tea_set = quote_price(product(cost, currency, category="茶具"), market(key), PricingSettings(fulfilment="direct"),
                          fx)
    assert tea_set.tax_class == "standard"


def test_uk_food_and_childrens_clothing_are_zero_rated_and_a_project_can_say_which_class(fx):
    s = pricing_settings({"fulfilment": "direct", "tax_class": {"T-1": "children_clothing"}})
    q = quote_price(product("10", "GBP"), market("amazon-uk"), s, fx)
    assert q.tax_rate == 0 and q.tax == 0


def test_duty_by_hs_chapter_and_an_unset_duty_is_a_finding(fx):
    m = market("amazon-us", duty={"rate": "0.05", "chapters": {"62": "0.10", "6204": "0.12"}})
    s = PricingSettings(fulfilment="direct")
    assert quote_price(product("10", hs_code="6204.42.3010"), m, s, fx).duty == D("1.2")
    assert quote_price(product("10", hs_code="6211.43"), m, s, fx).duty == D("1.0")
    assert quote_price(product("10", hs_code="9506.62"), m, s, fx).duty == D("0.5")
    unset = quote_price(product("10"), market("amazon-us"), s, fx)
    [finding] = [f for f in unset.findings if f.code == "duty-unset"]
    assert "[markets.amazon-us.duty]" in finding.message and unset.duty == 0
    made_here = quote_price(product("10", origin="US"), market("amazon-us"), s, fx)
    assert not [f for f in made_here.findings if f.code == "duty-unset"]


def test_an_fx_buffer_raises_the_converted_cost(tmp_path):
    rates = tmp_path / "rates.csv"
    rates.write_text("base,quote,rate,date\nEUR,CNY,8,2025-06-01\nEUR,USD,1,2025-06-01\n", encoding="utf-8")
    q = quote_price(product("80", "CNY"), market("amazon-us"),
                    pricing_settings({"fx_buffer": "3%", "fulfilment": "direct"}), FxTable(PINNED, rates))
    assert q.cost == D("10.3")
    assert "+ 3% FX buffer" in q.steps[0].how


def test_old_unpinned_rates_are_a_finding_and_pinned_ones_are_not():
    fresh = FxTable()
    q = quote_price(product("10"), market("amazon-us"), PricingSettings(fulfilment="direct", fx_max_age_days=D(1)),
                    fresh)
    age = (dt.date.today() - fresh.date).days
    assert any(f.code == "fx-old" for f in q.findings) == (age > 1)
    pinned = quote_price(product("10"), market("amazon-us"), PricingSettings(fx_max_age_days=D(1)), FxTable(PINNED))
    assert not any(f.code == "fx-old" for f in pinned.findings)


def test_implausible_weight_and_a_price_far_above_cost_are_findings(fx):
    p = product("10", gross_weight=Quantity(D(40), "kg"), package_size=Dimensions(D(10), D(10), D(10), "cm"))
    s = pricing_settings({"freight_per_kg": "1", "freight_currency": "USD", "fulfilment": "direct",
                          "max_markup": "1.5"})
    codes = {f.code for f in quote_price(p, market("amazon-us"), s, fx).findings}
    assert {"implausible-weight", "price-far-above-cost"} <= codes


def test_every_step_of_the_waterfall_says_where_its_numbers_came_from(fx):
    m = build_market("amazon-de", load_markets({"amazon-de": {"fees": {"referral": "0.12"}}})["amazon-de"])
    s = pricing_settings({"margin": "25%"}, where="xborder.toml: [pricing]")
    q = quote_price(product("10", "EUR", gross_weight=Quantity(D(1), "kg")), m, s, fx)
    price_step = next(st for st in q.steps if st.label.startswith("= price before"))
    assert "margin: [pricing]" in price_step.source
    assert m.origin("fees.referral") == "xborder.toml [markets.amazon-de]"
    assert m.origin("tax.rate").startswith("preset amazon-de")
