"""Issue 22, claims wider and deeper: the families the planted probes found missed, scarcity and price claims on
their own, food-contact wording only with a declaration ([compliance] declarations or the 认证 column), regular
expressions in claims.toml, and a note in pending.xlf for every claim in a text sent for translation."""

from __future__ import annotations

import json
import re

import pytest

from conftest import write_xlsx
from xborder.claims import claim_rules, read_claims
from xborder.config import ConfigError, load_config
from xborder.listing import qa
from xborder.markets import get_markets

US, DE, JP, MX, TH, SHOPIFY = get_markets(["amazon-us", "amazon-de", "amazon-jp", "mercadolibre-mx", "shopee-th",
                                          "shopify"])
FX = ("--fx-date", "2025-06-02")


def groups(text: str, language: str) -> list[tuple[str, str]]:
    return [(hit.group, hit.text) for hit in claim_rules().find(text, language)]


@pytest.mark.parametrize("language, text, expected", [
    # the probes of issue 22, each in the group that says what is wrong with it
    ("zh", "包治百病", [("medical", "包治百病")]),
    ("zh", "延年益寿", [("medical", "延年益寿")]),
    ("zh", "纯天然", [("natural", "纯天然")]),
    ("zh", "零添加", [("natural", "零添加")]),
    ("zh", "100%无毒", [("safety", "100%无毒")]),
    ("zh", "仅剩3件", [("scarcity", "仅剩3件")]),
    ("zh", "仅剩３件", [("scarcity", "仅剩3件")]),  # a full-width digit, as Chinese input methods type it
    ("en", "germ-killing", [("antimicrobial", "germ-killing")]),
    ("en", "guaranteed", [("guarantee", "guaranteed")]),
    ("en", "100% natural", [("natural", "100% natural")]),
    ("en", "hypoallergenic", [("natural", "hypoallergenic")]),
    ("en", "Best Umbrella for Rain", [("absolute", "Best")]),
    ("en", "only 3 left", [("scarcity", "only 3 left")]),
    ("de", "Niedrigster Preis aller Zeiten", [("price", "Niedrigster Preis")]),
    ("de", "Bestpreis, so günstig wie nie", [("price", "Bestpreis"), ("price", "so günstig wie nie")]),
    ("de", "Die Oberfläche wirkt zuverlässig…keimtötend", [("antimicrobial", "keimtötend")]),
    ("de", "Keimtötende Beschichtung", [("antimicrobial", "Keimtötende")]),
    ("de", "nur noch 3 Stück", [("scarcity", "nur noch 3 Stück")]),
    ("ja", "ぐっすり眠れて疲れが取れます", [("health", "ぐっすり"), ("health", "疲れが取れ")]),
    ("ja", "残りわずか", [("scarcity", "残りわずか")]),
    ("es", "Te ayuda a dormir y quita el estrés", [("health", "Te ayuda a dormir"), ("health", "quita el estrés")]),
    ("es", "Totalmente libre de tóxicos", [("safety", "libre de tóxicos")]),
    ("es", "¡Solo quedan 3!", [("scarcity", "Solo quedan 3!")]),
    ("th", "เหลือแค่ 3 ชิ้น", [("scarcity", "เหลือแค่ 3 ชิ้น")]),
    ("th", "ช่วยให้หลับสบาย แก้อาการเครียด", [("health", "ช่วยให้หลับ"), ("health", "แก้อาการเครียด")]),
])
def test_the_probes_of_issue_22_are_caught(language, text, expected):
    assert groups(text, language) == expected


def test_thai_lowest_price_is_caught_as_written():
    [(group, text)] = groups("ราคาต่ำที่สุดเป็นประวัติการณ์", "th")
    assert group == "price" and text.startswith("ราคา")  # NFKC spells ำ as two marks; the words are the same


@pytest.mark.parametrize("language, text", [
    ("en", "3 pieces per set"), ("en", "99% cotton"), ("en", "100% polyester"), ("en", "best before 2027-01"),
    ("en", "Only 2 AA batteries needed"), ("de", "Bestellnummer 4711"), ("de", "Nur noch Handwäsche"),
    ("de", "2 Jahre Garantie"), ("ja", "残り3色"), ("ja", "1年保証付き"), ("zh", "仅有3个按键"), ("zh", "剩余电量显示"),
    ("zh", "12个月质保"), ("es", "Quedan 3 cm de margen"), ("th", "รับประกัน 1 ปี"), ("th", "สีเหลือง 3 ชิ้น"),
])
def test_counts_warranties_and_dates_are_specifications(language, text):
    assert groups(text, language) == []


def test_the_new_groups_have_severities_per_market_as_data():
    assert [(f.check, f.severity) for f in qa.check_claims("bullet_1", "Only 3 left!", SHOPIFY)] == \
        [("claim-scarcity", "error")]
    # the factory's own stock note: a person should look, the listing must not carry it
    assert [(f.check, f.severity) for f in qa.check_source_claims("bullet_1", "仅剩3件", SHOPIFY)] == \
        [("source-claim-scarcity", "warning")]
    assert [f.severity for f in qa.check_claims("title", "Lowest price ever", US)] == ["error"]  # Amazon
    assert [f.severity for f in qa.check_claims("title", "Lowest price ever", SHOPIFY)] == ["warning"]
    assert [f.severity for f in qa.check_claims("title", "Helps you sleep", US)] == ["error"]
    assert [f.severity for f in qa.check_claims("title", "100% natural", SHOPIFY)] == ["warning"]
    for group in claim_rules().groups:
        assert group.sources, group.name  # every group says where its rule comes from


def test_food_contact_wording_needs_the_declaration_of_the_market():
    rules = claim_rules()
    text = "Food-grade silicone, BPA free"
    assert [(f.check, f.term) for f in qa.check_claims("title", text, US)] == \
        [("claim-food_contact", "Food-grade"), ("claim-food_contact", "BPA free")]
    assert qa.check_claims("title", text, US, rules.held(["food contact"], "US")) == []  # the seller's own word
    assert qa.check_claims("title", text, US, rules.held(["FDA food contact"], "US")) == []
    assert qa.check_claims("title", "Lebensmittelechtes Silikon, BPA-frei", DE, rules.held(["LFGB"], "DE")) == []
    assert rules.held(["LFGB"], "US") == frozenset()  # a German test report says nothing of US rules
    assert rules.held(["EU 1935/2004"], "GB") == frozenset({"food_contact"})  # retained in Great Britain
    assert rules.held(["食品衛生法"], "JP") == frozenset({"food_contact"})
    # as the compliance checklist takes them: a DoC in the EU and Great Britain, 'FDA' in the US
    assert rules.held(["DoC"], "DE") == rules.held(["FDA"], "US") == frozenset({"food_contact"})
    assert rules.held(["DoC"], "US") == rules.held(["FDA"], "DE") == frozenset()
    # China's GB 4806 is the factory's basis for testing: it counts nowhere xborder sells
    for token in ("GB 4806", "GB 4806.1-2016", "GB4806"):
        for country in ("DE", "US", "GB", "JP", "MX", "TH"):
            assert rules.held([token], country) == frozenset(), (token, country)
    assert [f.severity for f in qa.check_source_claims("material", "食品级硅胶", DE)] == ["warning"]
    assert qa.check_source_claims("material", "食品级硅胶", DE, rules.held(["LFGB"], "DE")) == []
    assert [f.term for f in qa.check_claims("title", "Silicona de grado alimenticio, libre de BPA", MX)] == \
        ["grado alimenticio", "libre de BPA"]
    assert [f.term for f in qa.check_claims("title", "食品グレードのシリコン、BPAフリー", JP)] == ["食品グレード", "BPAフリー"]
    assert [f.term for f in qa.check_claims("title", "ซิลิโคนฟู้ดเกรด", TH)] == ["ฟู้ดเกรด"]


def test_a_listing_language_s_allowed_phrase_holds_for_its_english_check():
    # '100% natural' is English too, but in Spanish 'madera 100% natural' names the material
    assert qa.check_claims("bullet_1", "Madera 100% natural con acabado en aceite", MX) == []
    assert [f.term for f in qa.check_claims("bullet_1", "Producto 100% natural", MX)] == ["100% natural"]


def test_a_pattern_that_is_not_a_regular_expression_is_refused():
    table = {"groups": {"scarcity": {"message": "m", "severity": {"default": "error"},
                                     "patterns": {"en": ["only (\\d+ left"]}}}}
    with pytest.raises(ValueError, match=r"\[groups.scarcity.patterns\] en: 'only \(\\d\+ left' is not a regular"):
        read_claims(table)
    table["groups"]["scarcity"]["patterns"]["en"] = ["(?:only)?"]
    with pytest.raises(ValueError, match="matches empty text"):
        read_claims(table)
    table["groups"]["scarcity"]["patterns"]["en"] = ["(?<![\\w-])only\\s+\\d+\\s+left"]
    rules = read_claims(table)
    assert [h.text for h in rules.find("Hurry: only 2 left. Only 10 left tomorrow", "en")] == \
        ["only 2 left", "Only 10 left"]


def test_declarations_in_xborder_toml_are_held_like_certifications(tmp_path):
    path = tmp_path / "xborder.toml"
    path.write_text('[project]\ncertifications = ["CE"]\n[compliance]\ndeclarations = ["LFGB", "CE"]\n',
                    encoding="utf-8")
    assert load_config(path).seller.certifications == ("CE", "LFGB")
    path.write_text('[compliance]\ndeclarations = "LFGB"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[compliance\] declarations must be a list"):
        load_config(path)


def _notes(xliff: str) -> dict[str, str]:
    """source text → the xborder note on it."""
    units = re.findall(r"<source>(.*?)</source>.*?(?:<note from=\"xborder\" priority=\"1\">(.*?)</note>)?\s*"
                       r"</trans-unit>", xliff, re.S)
    return {source: note for source, note in units}


def test_pending_xlf_names_every_claim_in_a_text_to_translate(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [
        ["款号", "品名", "规格", "材质", "出厂价", "毛重(kg)", "认证", "卖点"],
        ["SP-1", "硅胶铲", "28cm", "硅胶", 6, 0.1, "", "仅剩3件，耐高温230℃"],
        ["SP-2", "硅胶铲", "28cm", "硅胶", 6, 0.1, "", "纯天然，全网最低价，助眠"],
        ["SP-3", "硅胶铲", "28cm", "硅胶", 6, 0.1, "", "手柄防滑，耐高温230℃"],
    ])
    (tmp_path / "xborder.toml").write_text('[project]\nmarkets = ["amazon-us"]\n[catalog]\ncurrency = "CNY"\n',
                                           encoding="utf-8")
    run_cli("build", "c.xlsx", *FX)
    notes = _notes((tmp_path / "dist" / "pending.xlf").read_text(encoding="utf-8"))
    assert "'仅剩3件' (scarcity)" in notes["仅剩3件，耐高温230℃"]
    assert all(f"'{term}' ({group})" in notes["纯天然，全网最低价，助眠"]
               for term, group in (("纯天然", "natural"), ("全网最低价", "price"), ("助眠", "health")))
    assert notes["手柄防滑，耐高温230℃"] == ""  # nothing claimed, no note


def test_a_build_holds_food_grade_until_the_project_declares_it(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [
        ["款号", "品名", "规格", "材质", "出厂价", "毛重(kg)", "认证"],
        ["SP-1", "硅胶铲", "28cm", "食品级硅胶", 6, 0.1, ""],
        ["SP-2", "硅胶铲", "28cm", "食品级硅胶", 6, 0.1, "LFGB"],
    ])
    config = '[project]\nmarkets = ["amazon-us", "amazon-de"]\n[catalog]\ncurrency = "CNY"\n'
    (tmp_path / "xborder.toml").write_text(config, encoding="utf-8")
    run_cli("build", "c.xlsx", *FX)

    def food(dist: str) -> set[tuple[str, str, str]]:
        report = json.loads((tmp_path / dist / "report.json").read_text(encoding="utf-8"))
        return {(f["market"], f["sku"], f["severity"]) for f in report["findings"] if "food_contact" in f["check"]}

    # without the declaration the glossary's food-grade term is not used (it requires food_contact, as 'organic'
    # requires its certificate): the text stays pending and the listing out of the upload files; the factory's own
    # word is a warning on the source
    assert {("amazon-us", "SP-1", "warning"), ("amazon-de", "SP-1", "warning"), ("amazon-us", "SP-2", "warning")} \
        <= food("dist")
    assert not {f for f in food("dist") if f[2] == "error"}

    def listing(dist: str, market: str, sku: str) -> dict:
        data = json.loads((tmp_path / dist / f"{market}.json").read_text(encoding="utf-8"))
        return next(item for item in data["listings"] if item["sku"] == sku)

    assert listing("dist", "amazon-us", "SP-1")["status"] != "ready"
    assert "food-grade" not in json.dumps(listing("dist", "amazon-us", "SP-1"))
    assert "lebensmittelecht" in json.dumps(listing("dist", "amazon-de", "SP-2"))  # LFGB counts in the EU only
    assert "food-grade" not in json.dumps(listing("dist", "amazon-us", "SP-2"))
    (tmp_path / "xborder.toml").write_text(config + '[compliance]\ndeclarations = ["food contact"]\n',
                                           encoding="utf-8")
    run_cli("build", "c.xlsx", *FX, "--out", "declared")
    assert food("declared") == set()
