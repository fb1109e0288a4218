"""Listing pieces on their own: fitting limits, QA checks, measures, the offline engine."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xborder.catalog.model import Product
from xborder.listing import qa
from xborder.listing.compose import _title_case, handle_for
from xborder.listing.fit import fit_bytes, fit_chars, fit_parts
from xborder.language.measures import dimensions, weight
from xborder.language.phrases import phrasebank
from xborder.markets import get_markets
from xborder.engines.engine import Segment, TranslationContext
from xborder.language.glossary import Glossary, read_csv
from xborder.language.memory import TranslationMemory
from xborder.engines.offline import OfflineEngine
from xborder.values import Dimensions, Money, Quantity

US, DE, JP = get_markets(["amazon-us", "amazon-de", "amazon-jp"])


def test_fit_chars_never_cuts_a_word():
    text = "Composted Sheep Manure Organic Fertilizer for Succulents"
    assert fit_chars(text, 200) == text
    assert fit_chars(text, 30) == "Composted Sheep Manure Organic"
    assert fit_chars(text, 9) == "Composted"
    assert fit_chars("Supercalifragilistic", 5) == "Super"  # one word longer than the limit: no boundary


def test_fit_parts_drops_the_least_important_parts_first():
    text, dropped = fit_parts(["Hanfu Skirt", "polyester", "S/M/L"], ", ", 25)
    assert (text, dropped) == ("Hanfu Skirt, polyester", 1)


def test_fit_bytes_counts_utf8_bytes_and_keeps_whole_words():
    words = ["ピンク", "ブルー", "パープル", "umbrella"]
    text, dropped = fit_bytes(words, " ", 20)
    assert len(text.encode("utf-8")) <= 20
    assert text == "ピンク ブルー" and dropped == ["パープル", "umbrella"]


@pytest.mark.parametrize("check, args, code", [
    (qa.check_length, ("title", "x" * 201, 200), "too-long"),
    (qa.check_bytes, ("keywords", "é" * 130, 249), "too-many-bytes"),
    (qa.check_banned_characters, ("title", "Great umbrella!", "!$?"), "banned-character"),
    (qa.check_emoji, ("bullet_1", "Sunny ☀ days"), "emoji"),
    (qa.check_banned_phrases, ("title", "Umbrella, Free Shipping", ["free shipping"]), "banned-phrase"),
    (qa.check_word_repeats, ("title", "Umbrella umbrella UMBRELLA for rain", 2), "word-repeated"),
    (qa.check_all_caps, ("title", "COLOUR CHANGING UMBRELLA"), "all-caps"),
    (qa.check_source_claims, ("bullet_1", "最好的雨伞", US), "source-claim-absolute"),
    (qa.check_numbers, ("bullet_1", "耐压1000V，直径105cm", "withstands 1000 V"), "number-mismatch"),
    (qa.check_min_length, ("title", "Umbrella", 20), "too-short"),
])
def test_each_check_finds_its_problem(check, args, code):
    found = check(*args)
    assert [f.check for f in found] == [code]
    assert found[0].message


def test_checks_pass_clean_text():
    assert qa.check_banned_phrases("title", "Freeshipping container", ["free shipping"]) == []
    assert qa.check_banned_phrases("bullet_1", "Prevents nothing", ["treat"]) == []
    assert qa.check_numbers("bullet_1", "耐压1000V", "withstands 1,000 V") == []
    assert qa.check_numbers("bullet_1", "每袋2斤", "1 kg per bag") == []  # 斤 converted to kg
    assert qa.check_numbers("bullet_1", "0.45公斤", "0,45 kg") == []  # a decimal comma is the same figure


def test_untranslated_text_is_judged_by_script_and_provenance():
    assert qa.check_source_language("title", "遇水变色伞", US, pending=False)
    assert qa.check_source_language("title", "濡れると色が変わる傘", JP, pending=False) == []
    assert qa.check_source_language("title", "遇水变色伞", JP, pending=True)


def test_measures_follow_the_market():
    bank_us, bank_de = phrasebank(US.lang_tag), phrasebank(DE.lang_tag)
    assert weight(Quantity(D("0.45"), "kg"), US, bank_us) == "0.45 kg (15.9 oz)"
    assert weight(Quantity(D("2.1"), "kg"), DE, bank_de) == "2,1 kg"
    assert weight(Quantity(D("500"), "g"), DE, bank_de) == "500 g"
    assert dimensions(Dimensions(D(60), D(40), D(35), "cm"), US, bank_us) == \
        "60 × 40 × 35 cm (23.6 × 15.7 × 13.8 in)"
    assert dimensions(Dimensions(D(600), D(400), D(350), "mm"), DE, bank_de) == "60 × 40 × 35 cm"


def test_title_case_and_handle():
    assert _title_case("composted sheep manure for succulents", "en") == "Composted Sheep Manure for Succulents"
    assert _title_case("ming-style mamianqun (horse-face skirt)", "en") == "Ming-style Mamianqun (horse-face skirt)"
    assert _title_case("kompostierter Schafmist", "de") == "Kompostierter Schafmist"
    product = Product("UM-88", "伞", Money(D(1), "CNY"), "f", "s", 2)
    assert handle_for(product, "Colour-Changing Umbrella, Tri-fold") == "colour-changing-umbrella-tri-fold-um-88"
    assert handle_for(product, "遇水变色伞") == "um-88"


@pytest.fixture
def context(tmp_path):
    glossary = Glossary(read_csv("type,zh,en,de,ja\nterm,腐熟,well-rotted,gut verrottet,完熟\n"
                                 "term,羊粪,sheep manure,Schafmist,羊糞\nterm,有机肥,organic fertilizer,"
                                 "organischer Dünger,有機肥料\n", "t.csv"))
    memory = TranslationMemory(tmp_path / "m.sqlite")
    product = Product("GF-500", "腐熟羊粪有机肥", Money(D("6.5"), "CNY"), "f", "s", 2)
    yield lambda market: TranslationContext(product, market, glossary, memory)
    memory.close()


def test_offline_engine_composes_exactly_or_leaves_pending(context):
    engine = OfflineEngine()
    segments = [Segment(s, "x") for s in ("腐熟羊粪有机肥", "500g/袋", "7件套", "红色", "均码", "遇水变色", "S")]
    us = engine.render(segments, context(US))
    assert us["腐熟羊粪有机肥"].text == "well-rotted sheep manure organic fertilizer"
    assert us["腐熟羊粪有机肥"].provenance == "glossary"
    assert us["500g/袋"].text == "500 g per bag" and us["500g/袋"].provenance == "template"
    assert us["7件套"].text == "7-piece set"
    assert us["红色"].text == "Red"
    assert us["遇水变色"].provenance == "pending" and us["遇水变色"].text == "遇水变色"
    assert us["S"].provenance == "kept"
    de = engine.render(segments, context(DE))
    assert de["500g/袋"].text == "500 g pro Beutel"
    # German orders and inflects joined terms itself: a draft to review, not a finished translation
    assert de["腐熟羊粪有机肥"].provenance == "draft"
    assert de["腐熟羊粪有机肥"].text == "gut verrottet Schafmist organischer Dünger"
    jp = engine.render(segments, context(JP))
    assert jp["腐熟羊粪有机肥"].text == "完熟羊糞有機肥料"  # no spaces between Japanese terms
    assert jp["腐熟羊粪有机肥"].provenance == "glossary"  # modifiers first, as in Chinese


def test_approved_translation_beats_the_engine(context):
    ctx = context(US)
    ctx.memory.approve("遇水变色", "changes colour when wet", "zh", "en")
    rendering = OfflineEngine().render([Segment("遇水变色", "x")], ctx)["遇水变色"]
    assert (rendering.text, rendering.provenance) == ("changes colour when wet", "memory")


@pytest.mark.parametrize("text, target, expected", [
    ("遇水变色", "en", True),
    ("S", "de", False),
    ("CAT III 600V", "de", False),
    ("304", "ja", False),
    ("Color Changing Umbrella", "en", False),  # a factory's English stays English for English markets
    ("Color Changing Umbrella", "de", True),   # but is not German
    ("", "de", False),
])
def test_what_needs_translation(text, target, expected):
    from xborder.engines.engine import needs_translation

    assert needs_translation(text, "zh", target) is expected


def test_characters_the_market_rejects_are_removed_and_reported():
    text, found = qa.remove_characters("title", "Umbrella! Rain & Sun ☀ {New}", "!$?_{}^¬¦")
    assert text == "Umbrella Rain & Sun New"
    assert [f.check for f in found] == ["removed-characters"] and "!" in found[0].message
    assert qa.remove_characters("title", "Plain title", "!") == ("Plain title", [])
