"""Localization of the shipped data: the starter glossaries' regional and Thai columns, the glossary's
agreement with the unit converter (斤 → kg), and the phrase bank's Spanish sizes and Mexican words.

The glossaries are read from the repository's glossaries/ folder with the same reader xborder uses, so the
tests judge the files this checkout ships."""

from __future__ import annotations

import csv
import json
from decimal import Decimal as D

import pytest

from conftest import ROOT, write_xlsx
from xborder.catalog.model import Product
from xborder.listing.compose import ListingComposer
from xborder.language.phrases import phrasebank
from xborder.markets import get_markets
from xborder.engines.engine import Rendering, Segment, TranslationContext
from xborder.language.glossary import Glossary, fold, load_glossary, read_csv
from xborder.language.memory import TranslationMemory
from xborder.engines.offline import OfflineEngine
from xborder.values import Money

GLOSSARY_FILES = sorted((ROOT / "glossaries").glob("*.csv"))
MX, ES = get_markets(["mercadolibre-mx", "amazon-es"])


def shipped_glossary() -> Glossary:
    """The starter glossaries of this checkout, stacked in name order as starter_glossary() stacks them."""
    out = Glossary(name="shipped")
    for path in GLOSSARY_FILES:
        for entry in read_csv(path.read_text(encoding="utf-8-sig"), f"starter:{path.name}"):
            out.add(entry)
    return out


def rows(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# --- es-MX ---------------------------------------------------------------------------------------

def test_mercado_libre_mexico_uses_the_es_mx_tag():
    assert MX.lang_tag == "es-MX" and ES.lang_tag == "es-ES"


@pytest.mark.parametrize("path", GLOSSARY_FILES, ids=lambda p: p.name)
def test_every_starter_glossary_has_an_es_mx_column_right_after_es(path):
    header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header.index("es-MX") == header.index("es") + 1


@pytest.mark.parametrize("source, spain, mexico", [
    ("螺丝刀", "destornillador", "desarmador"),
    ("十字螺丝刀", "destornillador de estrella", "desarmador de cruz"),
    ("花生", "cacahuetes", "cacahuates"),
    ("运动鞋", "zapatillas", "tenis"),
    ("电烙铁", "soldador", "cautín"),
    ("毛衣", "jersey", "suéter"),
    ("T恤", "camiseta", "playera"),
    ("插座", "enchufe", "contacto"),
    ("排插", "regleta", "multicontacto"),
    ("水龙头", "grifo", "llave de agua"),
    ("棉服", "chaqueta acolchada", "chamarra acolchada"),
    ("风筝", "cometa", "papalote"),
    ("核桃", "nueces", "nueces de Castilla"),
    ("牛仔布", "tela vaquera", "mezclilla"),
    ("橡胶", "caucho", "hule"),
    ("咖啡色", "marrón", "café"),
])
def test_mexico_gets_mexican_words_and_spain_keeps_its_own(source, spain, mexico):
    entry = shipped_glossary().entries["term", fold(source)]
    assert entry.target(ES.lang_tag) == spain
    assert entry.target(MX.lang_tag) == mexico


def test_an_empty_es_mx_cell_falls_back_to_es():
    glossary = shipped_glossary()
    for source in ("雨伞", "不锈钢", "绿茶", "万用表"):
        entry = glossary.entries["term", source]
        assert "es-MX" not in entry.targets
        assert entry.target(MX.lang_tag) == entry.target("es") is not None


def test_a_forbidden_rendering_in_mexican_wording_is_caught_for_mexico():
    glossary = shipped_glossary()
    text = "Librero de MDF con acabado de madera sólida"
    assert [f.check for f in glossary.check("密度板书架", text, MX.lang_tag)] == ["glossary-forbidden"]
    assert glossary.check("密度板书架", text, ES.lang_tag) == []  # Spain's forbidden wording is madera maciza
    assert glossary.check("密度板书架", "Librero de MDF", MX.lang_tag) == []


def test_the_offline_engine_writes_mexican_terms_for_mexico(tmp_path):
    glossary = shipped_glossary()
    memory = TranslationMemory(tmp_path / "m.sqlite")
    product = Product("ET-1", "十字螺丝刀", Money(D(5), "CNY"), "f", "s", 2)
    try:
        segments = [Segment("十字螺丝刀", "name"), Segment("电烙铁", "spec")]
        mexico = OfflineEngine().render(segments, TranslationContext(product, MX, glossary, memory))
        spain = OfflineEngine().render(segments, TranslationContext(product, ES, glossary, memory))
    finally:
        memory.close()
    assert (mexico["十字螺丝刀"].text, mexico["电烙铁"].text) == ("desarmador de cruz", "cautín")
    assert (spain["十字螺丝刀"].text, spain["电烙铁"].text) == ("destornillador de estrella", "soldador")


# --- Thai ----------------------------------------------------------------------------------------

def thai_coverage() -> tuple[int, int]:
    """(term rows with a th form, term rows) over the shipped glossary files, read with the csv module."""
    terms = [row for path in GLOSSARY_FILES for row in rows(path) if (row["type"] or "term").strip() == "term"]
    return sum(1 for row in terms if (row.get("th") or "").strip()), len(terms)


def test_more_than_nine_in_ten_starter_terms_have_a_thai_form():
    with_thai, terms = thai_coverage()
    assert terms > 250  # the files were read: the starter glossaries hold some 280 terms
    assert with_thai / terms > 0.90, f"{with_thai} of {terms} terms have a th form"


def test_thai_forms_are_thai_and_reach_shopee_th():
    thailand, = get_markets(["shopee-th"])
    glossary = shipped_glossary()
    assert thailand.lang_tag == "th-TH"
    assert glossary.entries["term", "十字螺丝刀"].target(thailand.lang_tag) == "ไขควงปากแฉก"
    assert glossary.entries["term", "普洱"].target(thailand.lang_tag) == "ผู่เอ๋อ"
    for entry in glossary:
        for form in entry.targets.get("th", ()) if entry.type == "term" else ():
            # Thai script, or a code or loanword kept in Latin letters beside it (MDF, True RMS, Food Grade)
            assert any("\u0e00" <= ch <= "\u0e7f" for ch in form) or form.isascii(), (entry.source, form)


# --- 斤 and the unit converter -------------------------------------------------------------------

def test_jin_is_converted_to_kg_and_the_glossary_agrees(tmp_path):
    """units.toml turns 5斤 into 2.5 kg; a glossary asking for 'jin' would flag every converted listing."""
    glossary = shipped_glossary()
    assert ("term", "斤") not in glossary.entries  # the converter, not the glossary, renders 斤
    assert glossary.entries["forbidden", "斤"].forms("en") == ("catty", "catties")
    us, = get_markets(["amazon-us"])
    memory = TranslationMemory(tmp_path / "m.sqlite")
    product = Product("GF-5J", "多肉专用缓释肥", Money(D(12), "CNY"), "f", "s", 2)
    try:
        spec = OfflineEngine().render([Segment("5斤/袋", "spec")], TranslationContext(product, us, glossary,
                                                                                      memory))["5斤/袋"]
    finally:
        memory.close()
    assert (spec.text, spec.provenance) == ("2.5 kg per bag", "template")
    assert glossary.check("5斤/袋", spec.text, us.lang_tag) == []
    assert glossary.check("每袋5斤", "2.5 kg (5 jin) per bag", us.lang_tag) == []
    assert [f.check for f in glossary.check("每袋5斤", "5 catties per bag", us.lang_tag)] == ["glossary-forbidden"]
    assert glossary.check("2公斤/袋", "2 kg per bag", us.lang_tag) == []  # 公斤 is kg, never a catty


def test_the_organic_claim_keeps_its_targets_and_says_why_they_need_a_certificate():
    entry = shipped_glossary().entries["term", "有机"]
    assert entry.forms("de") == ("biologisch", "Bio") and entry.forms("fr") == ("biologique", "bio")
    assert "2018/848" in entry.note and "certified" in entry.note


# --- phrase bank: Spanish sizes and Mexican words ------------------------------------------------

def plain(source: str) -> Rendering:
    return Rendering(source, source, "kept")


@pytest.mark.parametrize("tag", ["es", "es-ES", "es-MX"])
def test_spanish_labels_call_a_garment_size_talla_and_measurements_dimensiones(tag):
    bank = phrasebank(tag)
    assert bank.label("size") == "Talla" and bank.label("cn_size") == "Talla (tallas chinas)"
    assert bank.label("product_size") == "Dimensiones del producto"
    assert "Tamaño" not in bank.labels.values()


@pytest.mark.parametrize("sizes, label", [
    (["S", "M", "L"], "Talla (tallas chinas)"),  # Chinese letter sizes are stated as such
    (["均码"], "Talla"),                          # one size
    (["38", "39", "40"], "Talla"),                # shoe sizes
])
def test_a_mexican_listing_labels_its_sizes_talla(sizes, label):
    product = Product("HF-1", "马面裙", Money(D(168), "CNY"), "f", "s", 2, sizes=sizes)
    attributes = dict(ListingComposer(MX).attributes(product, plain))
    assert attributes[label].source == "/".join(sizes)


def test_mexican_colours_and_sizes_override_spain_only_where_they_differ():
    spain, mexico = phrasebank("es-ES"), phrasebank("es-MX")
    assert (spain.value("棕色"), mexico.value("棕色")) == ("Marrón", "Café")
    assert (spain.value("杏色"), mexico.value("杏色")) == ("Albaricoque", "Chabacano")
    assert (spain.value("小号"), mexico.value("小号")) == ("Pequeño", "Chico")
    assert (spain.value("均码"), mexico.value("均码")) == ("Talla única", "Unitalla")
    assert mexico.value("红色") == spain.value("红色") == mexico.colors["red"] == "Rojo"  # inherited
    assert mexico.labels == spain.labels


def test_glossary_commands_read_and_write_an_es_mx_column(run_cli, tmp_path):
    (tmp_path / "xborder.toml").write_text('[project]\nmarkets = ["mercadolibre-mx", "amazon-es"]\n'
                                           "[glossary]\nstarter = false\n", encoding="utf-8")
    write_xlsx(tmp_path / "catalog.xlsx", [["款号", "品名", "出厂价"], ["ET-1", "螺丝刀", 9], ["U-1", "雨伞", 20]])
    (tmp_path / "glossary.csv").write_text("type,zh,es,es-MX,note\nterm,螺丝刀,destornillador,desarmador,\n"
                                           "term,雨伞,paraguas,,\n", encoding="utf-8")
    result = run_cli("glossary", "check", "catalog.xlsx", "--json", "--strict")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["languages"] == ["es-MX", "es-ES"]
    terms = {t["source"]: t for t in payload["terms"]}
    assert terms["螺丝刀"]["targets"] == {"es": ["destornillador"], "es-MX": ["desarmador"]}
    assert terms["雨伞"]["missing"] == []  # es-MX falls back to es
    assert run_cli("glossary", "add", "雨伞", "-t", "es-MX=sombrilla", "--replace").exit_code == 0
    assert (tmp_path / "glossary.csv").read_text(encoding="utf-8").splitlines()[0] == \
        "type,zh,es,es-MX,case_sensitive,note"
    for name in ("terms.tbx", "terms.csv"):
        assert run_cli("glossary", "export", "--output", name).exit_code == 0
        entry = {e.source: e for e in load_glossary(tmp_path / name)}["雨伞"]
        assert (entry.target("es-MX"), entry.target("es-ES")) == ("sombrilla", "paraguas")


def test_thai_spaces_a_latin_term_off_and_japanese_does_not(tmp_path):
    glossary = shipped_glossary()
    memory = TranslationMemory(tmp_path / "m.sqlite")
    product = Product("AB-1", "ABS塑料收纳盒", Money(D(5), "CNY"), "f", "s", 2)
    thai, japan = get_markets(["shopee-th", "amazon-jp"])
    try:
        rendered = {market.language: OfflineEngine().render([Segment("ABS塑料", "material")], TranslationContext(
            product, market, glossary, memory))["ABS塑料"].text for market in (thai, japan)}
    finally:
        memory.close()
    assert rendered == {"th": "ABS พลาสติก", "ja": "ABSプラスチック"}
