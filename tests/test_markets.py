"""Market presets as data, project overrides, and every bad value refused with a clear message."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xborder import data
from xborder.errors import ConfigError
from xborder.markets import build_market, get_markets, load_markets, preset_keys

REQUIRED_PRESETS = ["amazon-us", "amazon-uk", "amazon-de", "amazon-fr", "amazon-es", "amazon-it", "amazon-jp",
                    "amazon-mx", "tiktok-us", "tiktok-uk", "shopee-sg", "shopee-my", "shopee-th", "lazada-id",
                    "mercadolibre-mx", "ebay-us", "etsy-us", "shopify"]


def test_every_required_preset_loads_and_is_complete():
    assert set(REQUIRED_PRESETS) <= set(preset_keys())
    markets = get_markets(preset_keys())
    reference = data.load("markets.toml")["markets"]["amazon-us"]
    for m in markets:
        record = data.load("markets.toml")["markets"][m.key]
        for section in ("limits", "rules", "tax", "fees", "duty", "rounding"):
            assert set(record[section]) == set(reference[section]), (m.key, section)
        assert "json" in m.exports


def test_preset_facts_from_the_reference():
    by_key = {m.key: m for m in get_markets(preset_keys())}
    assert by_key["amazon-us"].limits.title_chars == 200
    assert by_key["amazon-us"].limits.keywords_bytes < 250
    assert by_key["amazon-jp"].minor_digits == 0
    assert by_key["amazon-de"].tax.included_in_price and by_key["amazon-de"].tax.rate == D("0.19")
    assert not by_key["amazon-us"].tax.included_in_price
    assert by_key["ebay-us"].limits.title_chars == 80
    assert by_key["etsy-us"].limits.tag_count == 13
    assert by_key["amazon-us"].unit_system == "us" and by_key["amazon-de"].unit_system == "metric"


def test_project_overrides_a_value_and_keeps_the_rest():
    [m] = get_markets(["amazon-de"], {"amazon-de": {"fees": {"referral": "0.12"}}})
    assert m.fees.referral == D("0.12")
    assert m.fees.payment == D(0)
    assert m.tax.rate == D("0.19")


def test_new_market_from_a_preset():
    [m] = get_markets(["my-eu"], {"my-eu": {"base": "shopify", "locale": "de_DE", "currency": "EUR",
                                            "tax": {"rate": "0.19", "included_in_price": True}}})
    assert (m.currency, m.locale, m.tax.rate, m.tax.included_in_price) == ("EUR", "de_DE", D("0.19"), True)
    assert m.platform == "shopify"


def test_new_market_without_base_must_be_complete():
    with pytest.raises(ConfigError, match="missing .*base ="):
        get_markets(["x"], {"x": {"currency": "USD"}})


def test_unknown_market():
    with pytest.raises(ConfigError, match="unknown market 'amazon-xx'"):
        get_markets(["amazon-xx"])


@pytest.mark.parametrize("change, message", [
    ({"currency": "XYZ"}, "not an ISO 4217"),
    ({"locale": "xx_YY_ZZ"}, "not a locale"),
    ({"fees": {"referral": "0.7", "payment": "0.4"}}, "out of range|add up"),
    ({"fees": {"referral": "abc"}}, "not a number"),
    ({"tax": {"rate": "-0.1"}}, "out of range"),
    ({"rounding": {"bands": [{"step": "0", "ending": "0"}]}}, "step 0 must be above 0"),
    ({"rounding": {"bands": [{"step": "1", "ending": "1.5"}]}}, "ending 1.5 must be"),
    ({"rounding": {"bands": [{"below": "50", "step": "1", "ending": "0.99"}]}}, "last rounding band"),
    ({"rounding": {"bands": [{"below": "50", "step": "1", "ending": "0.99"},
                             {"below": "20", "step": "1", "ending": "0.99"}, {"step": "1", "ending": "0"}]}},
     "must be above the band before"),
    ({"rounding": {"direction": "sideways"}}, "direction"),
    ({"rounding": {"bands": []}}, "at least one band"),
    ({"unit_system": "imperial-ish"}, "unit_system"),
])
def test_bad_market_values_are_refused(change, message):
    with pytest.raises(ConfigError, match=message):
        build_market("amazon-us", load_markets({"amazon-us": change})["amazon-us"])


def test_yen_ending_with_decimals_makes_no_sense():
    with pytest.raises(ConfigError, match="more decimals than JPY"):
        build_market("amazon-jp", load_markets(
            {"amazon-jp": {"rounding": {"bands": [{"step": "1", "ending": "0.99"}]}}})["amazon-jp"])


@pytest.mark.parametrize("table, message", [
    ({"limits": {"titel_chars": 80}}, "[markets.amazon-us.limits] has no setting 'titel_chars'"),
    ({"rules": {"banned_phrase": ["x"]}}, "[markets.amazon-us.rules] has no setting 'banned_phrase'"),
    ({"fulfilment_fee": "3"}, "[markets.amazon-us] has no setting 'fulfilment_fee'"),
])
def test_a_typo_in_a_market_table_is_an_error_not_ignored(table, message):
    with pytest.raises(ConfigError) as error:
        get_markets(["amazon-us"], {"amazon-us": table})
    assert message in str(error.value)


@pytest.mark.parametrize("value", [-5, 1.5, "200", True])
def test_a_limit_that_is_not_a_whole_number_of_0_or_more_is_refused(value):
    from xborder.errors import ConfigError
    from xborder.markets import build_market, load_markets

    with pytest.raises(ConfigError, match="title_chars"):
        build_market("amazon-us", load_markets({"amazon-us": {"limits": {"title_chars": value}}})["amazon-us"])


@pytest.mark.parametrize("rules, says", [({"max_word_repeats": -1}, "max_word_repeats"),
                                         ({"banned_phrases": "free shipping"}, "list of texts"),
                                         ({"html_description": "yes"}, "true or false")])
def test_a_text_rule_of_the_wrong_kind_is_refused(rules, says):
    from xborder.errors import ConfigError
    from xborder.markets import build_market, load_markets

    with pytest.raises(ConfigError, match=says):
        build_market("amazon-us", load_markets({"amazon-us": {"rules": rules}})["amazon-us"])
