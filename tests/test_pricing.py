"""The price formula, pinned with hand-computed cases, plus properties over any settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xborder.catalog.model import Product
from xborder.errors import ConfigError
from xborder.markets import RoundingBand, RoundingRule, build_market, load_markets
from xborder.pricing import FxTable, PricingError, quote_price
from xborder.pricing.fx import RateMissingError
from xborder.pricing.rounding import round_price
from xborder.settings import PricingSettings
from xborder.values import Money, Quantity

PINNED = dt.date(2025, 6, 2)


def product(amount: str, currency: str = "CNY", gross_kg: str | None = None, sku: str = "T-1") -> Product:
    return Product(sku=sku, name="测试产品", cost=Money(D(amount), currency), file="t.xlsx", sheet="s", row=2,
                   gross_weight=Quantity(D(gross_kg), "kg") if gross_kg else None)


def market(key: str = "amazon-us", **changes) -> object:
    """A preset with some values replaced, e.g. market('amazon-de', duty={'per_item': '0'})."""
    return build_market(key, load_markets({key: changes} if changes else None)[key])


@pytest.fixture(scope="module")
def fx() -> FxTable:
    return FxTable(PINNED)


def test_margin_on_price_without_tax(fx):
    # 10 USD FOB, 15% referral, 30% margin: 10 / 0.55 = 18.1818… → .99 ending → 18.99
    q = quote_price(product("10", "USD"), market("amazon-us"), PricingSettings(), fx)
    assert q.landed == D(10)
    assert q.before_tax.quantize(D("0.0001")) == D("18.1818")
    assert q.price == D("18.99")
    assert q.formatted == "$18.99"
    assert q.break_even.quantize(D("0.0001")) == D("11.7647")  # 10 / 0.85
    assert q.fees.quantize(D("0.0001")) == D("2.8485")  # 15% of 18.99
    assert q.profit.quantize(D("0.0001")) == D("6.1415")
    assert q.tax == 0


def test_amazon_de_fee_on_the_price_with_vat_and_duty_per_item_on_direct_parcels(fx):
    # direct parcels: cost 10 EUR + €3 duty per item = 13 landed. Amazon.de charges the 15% referral on the
    # price with 19% VAT, so per euro before VAT the fee is 0.15 × 1.19 = 0.1785:
    # 13 / (1 − 0.30 − 0.1785) = 24.9281 before VAT; × 1.19 = 29.6644 → 29.99
    s = PricingSettings(fulfilment="direct")
    q = quote_price(product("10", "EUR"), market("amazon-de"), s, fx)
    assert q.duty == D(3) and q.landed == D(13)
    assert q.before_tax.quantize(D("0.0001")) == D("24.9281")
    assert q.unrounded.quantize(D("0.0001")) == D("29.6644")
    assert q.price == D("29.99") and q.formatted == "29,99\xa0€"
    assert q.referral_fee == D("4.4985")  # 15% of 29.99, VAT included
    assert q.net_price.quantize(D("0.0001")) == D("25.2017")  # 29.99 / 1.19
    assert q.tax.quantize(D("0.01")) == D("4.79")
    assert q.profit.quantize(D("0.0001")) == D("7.7032")  # 25.2017 − 4.4985 − 13
    assert q.break_even.quantize(D("0.0001")) == D("18.8314")  # 13 / (1 − 0.1785) × 1.19
    assert q.fee_base == "gross"


def test_amazons_own_example_ten_percent_of_119_euro_is_11_90(fx):
    m = market("amazon-de", fees={"referral": "0.10"}, rounding={"bands": [{"step": "1", "ending": "0"}]})
    s = PricingSettings(margin=D(0), fulfilment="direct")
    # cost chosen so the price lands on 119: N × (1 − 0.10 × 1.19) = cost + 3 with N = 100
    q = quote_price(product("85.1", "EUR"), m, s, fx)
    assert q.price == D("119") and q.referral_fee == D("11.90")


def test_stock_in_the_marketplace_warehouse_pays_no_per_item_parcel_duty(fx):
    s = PricingSettings(fulfilment="marketplace", fulfilment_fee=D("3.10"))
    q = quote_price(product("10", "EUR"), market("amazon-de"), s, fx)
    assert q.duty == 0 and q.fulfilment_fee == D("3.10")
    # (10 + 3.10) / 0.5215 × 1.19 = 29.8924 → 29.99
    assert q.price == D("29.99") and q.fees == D("4.4985") + D("3.10")


def test_zero_decimal_currency_and_yen_ending(fx):
    # fee on the price with tax: 1000 JPY / (1 − 0.30 − 0.15 × 1.10) × 1.10 = 2056.07 → step 100 ending 80 → ¥2,080
    q = quote_price(product("1000", "JPY"), market("amazon-jp"), PricingSettings(), fx)
    assert q.unrounded.quantize(D("0.01")) == D("2056.07")
    assert q.price == D("2080")
    assert q.price.as_tuple().exponent == 0
    assert q.formatted == "￥2,080"


def test_fob_usd_cost_into_euro_market_with_pinned_own_rate(tmp_path: Path):
    rates = tmp_path / "rates.csv"
    rates.write_text("base,quote,rate,date,source\nEUR,USD,1.25,2025-06-02,test bank\n", encoding="utf-8")
    fx = FxTable(PINNED, rates)
    q = quote_price(product("4", "USD"), market("amazon-de", duty={"per_item": "0"}), PricingSettings(), fx)
    assert q.fx.rate == D("0.8")
    assert q.cost == D("3.2")
    # 3.2 / (1 − 0.30 − 0.15 × 1.19) × 1.19 = 7.3020… → 7.99
    assert q.price == D("7.99")
    assert "test bank" in q.fx.source


def test_freight_per_kg_and_per_unit_in_cny(tmp_path: Path):
    rates = tmp_path / "rates.csv"
    rates.write_text("base,quote,rate,date\nEUR,CNY,8,2025-06-01\nEUR,USD,1,2025-06-01\n", encoding="utf-8")
    fx = FxTable(PINNED, rates)
    s = PricingSettings(freight_per_kg=D(40), freight_per_unit=D(2))
    q = quote_price(product("80", "CNY", gross_kg="0.5"), market("amazon-us"), s, fx)
    assert q.fx.rate == D("0.125")
    assert q.cost == D(10)
    assert q.freight == D("2.75")  # (0.5 × 40 + 2) CNY / 8
    assert q.landed == D("12.75")


def test_markup_on_cost(fx):
    s = PricingSettings(margin=D("0.5"), margin_basis="cost")
    q = quote_price(product("10", "USD"), market("amazon-us"), s, fx)
    # (10 × 1.5) / 0.85 = 17.647 → 17.99; profit on landed cost stays at least 50%
    assert q.price == D("17.99")
    assert q.margin >= D("0.5")


def test_rounding_never_drops_below_break_even():
    rule = RoundingRule("nearest", (RoundingBand(None, D(10), D(9)),))
    # 1000.3 is nearest to 999, but 999 is below the break-even 1000.3: take 1009 instead
    assert round_price(D("1000.3"), rule, floor=D("1000.3"), minor_digits=2) == D("1009.00")
    # with a lower floor, nearest may go down
    assert round_price(D("1000.3"), rule, floor=D("900"), minor_digits=2) == D("999.00")


def test_rounding_that_would_drop_below_break_even_through_quote(fx):
    m = market("amazon-us", fees={"referral": "0", "minimum": "0"}, rounding={"direction": "nearest", "bands": [
        {"step": "10", "ending": "9"}]})
    q = quote_price(product("1000.3", "USD"), m, PricingSettings(margin=D(0)), fx)
    assert q.unrounded == q.break_even == D("1000.3")
    assert q.price == D("1009.00")


def test_ending_spilling_into_next_band_uses_that_band():
    rule = RoundingRule("up", (RoundingBand(D(50), D(1), D("0.99")), RoundingBand(None, D(5), D("4.99"))))
    assert round_price(D("49.50"), rule, D(0), 2) == D("49.99")
    assert round_price(D("49.995"), rule, D(0), 2) == D("54.99")
    assert round_price(D("61"), rule, D(0), 2) == D("64.99")


def test_margin_plus_fees_of_100_percent_is_refused(fx):
    with pytest.raises(PricingError, match="reach 100%"):
        quote_price(product("10", "USD"), market("amazon-us"), PricingSettings(margin=D("0.85")), fx)


def test_missing_rate_names_the_currency(fx):
    m = market("shopify", currency="VND", locale="vi_VN",
               rounding={"bands": [{"step": "1000", "ending": "0"}]})
    with pytest.raises(RateMissingError, match="VND"):
        quote_price(product("10"), m, PricingSettings(), fx)


def test_weekend_date_uses_last_published_rate():
    saturday = dt.date(2025, 5, 31)
    rate = FxTable(saturday).rate("USD", "EUR")
    assert rate.date == dt.date(2025, 5, 30)
    assert "ECB" in rate.source


def test_fx_date_outside_bundled_history():
    with pytest.raises(ConfigError, match="end on"):
        FxTable(dt.date(2999, 1, 1))


def test_price_outside_platform_bounds_is_reported(fx):
    q = quote_price(product("9000", "USD"), market("tiktok-us"), PricingSettings(), fx)
    assert any("up to" in f.message for f in q.findings)


def test_missing_weight_with_freight_per_kg_is_reported(fx):
    q = quote_price(product("10", "USD"), market("amazon-us"), PricingSettings(freight_per_kg=D(30)), fx)
    [finding] = [f for f in q.findings if f.code == "no-weight"]
    assert finding.severity == "error" and not q.confirmed


money = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
rate = st.decimals(min_value=D(0), max_value=D("0.3"), places=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cost=money, currency=st.sampled_from(["CNY", "USD", "EUR", "JPY"]),
       key=st.sampled_from(["amazon-us", "amazon-de", "amazon-jp", "shopee-th", "lazada-id", "etsy-us",
                            "mercadolibre-mx", "tiktok-uk"]),
       margin=st.decimals(min_value=D(0), max_value=D("0.45"), places=3), basis=st.sampled_from(["price", "cost"]),
       referral=rate, direction=st.sampled_from(["up", "nearest"]),
       per_kg=st.decimals(min_value=D(0), max_value=D(80), places=1),
       kg=st.one_of(st.none(), st.decimals(min_value=D("0.01"), max_value=D(30), places=2)))
def test_any_quote_covers_landed_cost_and_fees_and_is_reproducible(cost, currency, key, margin, basis, referral,
                                                                    direction, per_kg, kg, fx):
    m = market(key, fees={"referral": str(referral)}, rounding={"direction": direction})
    s = PricingSettings(margin=margin, margin_basis=basis, freight_per_kg=per_kg)
    p = product(str(cost), currency, str(kg) if kg is not None else None)
    q = quote_price(p, m, s, fx)
    assert q.price >= q.break_even
    assert q.price > 0
    assert q.price == q.price.quantize(D(1).scaleb(-m.minor_digits))
    # what the seller keeps after fees and (where included) tax pays for the landed cost
    assert q.net_price - q.fees - q.landed >= D("-1e-18")
    again = quote_price(p, m, s, FxTable(PINNED))
    assert again == q


def test_rates_file_rows_that_define_each_other_are_refused(tmp_path: Path):
    rates = tmp_path / "rates.csv"
    rates.write_text("base,quote,rate,date\nVND,TWD,0.0012,2025-06-01\nTWD,VND,830,2025-06-01\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="defined by each other"):
        FxTable(PINNED, rates).rate("USD", "VND")


@pytest.mark.parametrize("text, message", [
    ("currency,rate\nVND,1\n", "header must be base,quote,rate,date"),
    ("base,quote,rate,date\nUSD,VND,abc,2025-06-01\n", "row 2: rate must be a number"),
    ("base,quote,rate,date\nUSD,VND,-5,2025-06-01\n", "must be above 0"),
])
def test_bad_rates_file(tmp_path: Path, text, message):
    rates = tmp_path / "rates.csv"
    rates.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        FxTable(PINNED, rates)
