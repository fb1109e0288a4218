"""Option values in any source language are translated for the market, and variant SKUs stay what they were."""

from __future__ import annotations

from decimal import Decimal as D

from xborder.listing.compose import _same_options
from xborder.listing.export_csv import _woo_value
from xborder.listing.identifiers import option_code
from xborder.listing.model import Variant
from xborder.listing.phrases import phrasebank

# option_code as it was before option translation (2f39740): English colours keep their spelling, and one with
# other characters keeps its hash ('White（白）'); Chinese words outside the frozen SKU words keep theirs ('特大号')
CODES = {
    "White": "WHITE", "white": "WHITE", "WHITE": "WHITE", "White ": "WHITE", "Navy Blue": "NAVY-BLUE",
    "Off-white": "OFF-WHITE", "Off White": "OFF-WHITE", "Rose Gold": "ROSE-GOLD", "Light Grey": "LIGHT-GREY",
    "Light Gray": "LIGHT-GRAY", "Champagne": "CHAMPAGNE", "Khaki": "KHAKI", "Transparent": "TRANSPARENT",
    "Clear": "CLEAR", "Multicolor": "MULTICOLOR", "Multicolour": "MULTICOLOUR", "Sky blue": "SKY-BLUE",
    "Ｗｈｉｔｅ": "WHITE", "White（白）": "WHITE-58FB", "Pink 粉色": "PINK-FCBB", "Gold★": "GOLD-9549", "Rosé": "ROSE",
    "S": "S", "XL": "XL", "2XL": "2XL", "21寸 8骨": "21-8-993B", "大号40cm": "40CM-B415", "3-4岁": "3-4-91B5",
    "40码": "40-71EE", "XL码": "XL-39F8", "2人份": "2-C003", "5层": "5-2F19", "12色": "12-8256", "1号": "1-6EA1",
    "特大号": "46E1", "Style A": "STYLE-A", "星空款": "04C3", "香槟金": "F347", "1.5L": "1-5L",
    "均码": "ONE-SIZE", "大号": "LARGE", "男款": "MEN-S", "红色": "RED", "黑": "BLACK", "米白": "OFF-WHITE",
    "透明": "CLEAR", "彩色": "MULTICOLOR", "藏青": "NAVY-BLUE", "咖啡色": "COFFEE", "玫瑰金": "ROSE-GOLD",
}


# --- lists and files that hold values with commas ----------------------------------------------------------

def test_a_list_of_values_that_hold_commas_is_separated_by_semicolons():
    assert phrasebank("de").join(["Weiß", "Rosa"]) == "Weiß, Rosa"
    assert phrasebank("de").join(["Groß, 40 cm", "Klein, 30 cm"]) == "Groß, 40 cm; Klein, 30 cm"
    assert phrasebank("ja").join(["大 40cm", "小 30cm"]) == "大 40cm、小 30cm"


def test_woocommerce_values_escape_their_commas_as_its_importer_reads_them():
    assert _woo_value("Groß, 40 cm") == "Groß\\, 40 cm" and _woo_value("Weiß") == "Weiß"


def test_variants_that_read_alike_are_a_warning():
    def variant(sku: str, source: str, shown: str) -> Variant:
        return Variant(sku, [("Color", shown)], [("colour", source)], D(1))

    found = _same_options([variant("A-1", "棕色", "Brown"), variant("A-2", "咖啡色", "Brown"),
                           variant("A-3", "红色", "Red")])
    assert [(f.check, f.severity, f.field) for f in found] == [("variants-alike", "warning", "variants")]
    assert "A-1 (棕色)" in found[0].message and "A-2 (咖啡色)" in found[0].message
    assert _same_options([variant("A-1", "红色", "Red")]) == []


# --- SKUs: byte-identical to what they were ----------------------------------------------------------------

def test_option_codes_are_byte_identical_to_before_options_were_translated():
    assert {value: option_code(value) for value in CODES} == CODES
