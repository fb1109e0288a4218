"""The claims lint (xborder/data/claims.toml): medical, antimicrobial, safety, absolute, eco and organic claims in
the Chinese source and in every listing language, severities per market, and organic wording only with a
certificate."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from conftest import ROOT, write_xlsx
from xborder.catalog.model import Product
from xborder.claims import claim_rules, read_claims
from xborder.listing import qa
from xborder.markets import get_markets
from xborder.engines.engine import Job
from xborder.language.glossary import Glossary, GlossaryError, read_csv, write_csv
from xborder.engines.model import ModelEngine, ModelSettings, glossary_brief
from xborder.engines.offline import OfflineEngine
from xborder.values import Money

US, DE, ES, MX, JP, SHOPIFY = get_markets(["amazon-us", "amazon-de", "amazon-es", "mercadolibre-mx", "amazon-jp",
                                          "shopify"])
FX = ("--fx-date", "2025-06-02")
GARDEN = ROOT / "glossaries" / "garden.csv"  # this checkout's starter file, whichever xborder is installed


def garden() -> Glossary:
    return Glossary(read_csv(GARDEN.read_text(encoding="utf-8"), "garden.csv"))


def found(findings) -> list[tuple[str, str, str]]:
    return [(f.check, f.term, f.severity) for f in findings]


@pytest.mark.parametrize("source, term, check", [
    ("本品可治疗失眠", "治疗", "source-claim-medical"),
    ("三天治愈脚气", "治愈", "source-claim-medical"),
    ("长期使用预防疾病", "预防疾病", "source-claim-medical"),
    ("紫外线杀菌", "杀菌", "source-claim-antimicrobial"),
    ("消炎止痒", "消炎", "source-claim-medical"),
    ("材质100%安全", "100%安全", "source-claim-safety"),
    ("长期使用无副作用", "无副作用", "source-claim-safety"),  # 纯天然 is a claim of its own (natural, a warning)
    ("最好的雨伞", "最好", "source-claim-absolute"),
    ("销量第一", "第一", "source-claim-absolute"),
    ("国家级工艺", "国家级", "source-claim-absolute"),
])
def test_claims_in_the_chinese_source_are_errors_on_amazon(source, term, check):
    findings = qa.check_source_claims("bullet_1", source, US)
    assert [(f.check, f.term, f.severity) for f in findings] == [(check, term, "error")]
    assert f"'{term}'" in findings[0].message and "correct the catalog" in findings[0].message


def test_a_germ_killing_claim_says_it_needs_registration_even_on_a_sterilizer():
    [finding] = qa.check_claims("title", "UV Sterilizer Box for Phones", US)
    assert (finding.check, finding.term, finding.severity) == ("claim-antimicrobial", "Sterilizer", "error")
    assert "FIFRA" in finding.message and "528/2012" in finding.message


def test_inflected_english_claims_are_caught():
    findings = qa.check_claims("bullet_1", "Cures arthritis and prevents back pain. 100% safe for kids.", US)
    assert found(findings) == [("claim-medical", "Cures", "error"), ("claim-medical", "prevents back pain", "error"),
                               ("claim-safety", "100% safe", "error")]
    assert findings[0].message.startswith("'Cures' is a medical claim") and "describe what" in findings[0].message
    assert [f.term for f in qa.check_claims("description", "Cured my insomnia; a healing balm", US)] == \
        ["Cured", "healing"]  # "cured in 24 hours" (a sealant) is allowed
    assert [f.term for f in qa.check_claims("bullet_2", "Kills 99.9% of germs, non-toxic, FDA approved", US)] == \
        ["Kills 99.9% of germs", "non-toxic", "FDA approved"]


@pytest.mark.parametrize("market, text, terms", [
    (DE, "Heilt Gelenkschmerzen und beugt Erkältungen vor", ["Heilt", "beugt Erkältungen"]),
    (DE, "Lindert Rückenschmerzen", ["Lindert"]),
    (ES, "Alivia el dolor y cura la artritis", ["Alivia el dolor", "cura"]),
    (MX, "Previene enfermedades, antibacteriana", ["Previene enfermedades", "antibacteriana"]),
    (JP, "腰痛が治る。風邪を予防します", ["治る", "風邪を予防"]),
])
def test_inflected_claims_are_caught_in_german_spanish_and_japanese(market, text, terms):
    assert [f.term for f in qa.check_claims("bullet_1", text, market)] == terms


def test_specifications_and_physical_prevention_are_not_claims():
    assert qa.check_claims("bullet_1", "Prevents rust and prevents slipping; heat treatment; self-healing mat", US) \
        == []
    # 'biologisch abbaubar' is no organic ('bio') claim; a degradability claim wants its test, a warning
    found = qa.check_claims("bullet_1", "Verhindert Rost, biologisch abbaubar", DE)
    assert [(f.check, f.severity) for f in found] == [("claim-degradable", "warning")]
    assert qa.check_source_claims("title", "最大功率 600W，最小 10W，最高温度200℃，第一次使用前充满电", US) == []
    assert qa.check_source_claims("title", "腐熟羊粪有机肥，有机玻璃外壳", US) == []  # a product name and acrylic
    assert qa.check_claims("title", "Composted Sheep Manure Organic Fertilizer", US) == []
    assert qa.check_claims("title", "Abono orgánico de estiércol de oveja", MX) == []


def test_severity_comes_from_the_data_per_market_and_platform():
    text = "The best umbrella for rainy days"
    assert found(qa.check_claims("title", text, US)) == [("claim-absolute", "The best", "error")]  # amazon
    assert found(qa.check_claims("title", text, SHOPIFY)) == [("claim-absolute", "The best", "warning")]  # default
    absolute = next(g for g in claim_rules().groups if g.name == "absolute")
    assert absolute.severity_for("shopify", "shopify", in_source=True) == "error"  # Advertising Law on the source
    # a project's data decides: a market key before its platform, "off" reports nothing
    rules = read_claims({"groups": {"absolute": {
        "message": "is absolute", "severity": {"default": "warning", "amazon": "error", "amazon-jp": "off"},
        "words": {"en": ["the best"]}}}})
    assert [f.severity for f in rules.check("title", text, "amazon-us", "amazon", ["en"])] == ["error"]
    assert rules.check("title", text, "amazon-jp", "amazon", ["en"]) == []
    with pytest.raises(ValueError, match="default"):
        read_claims({"groups": {"x": {"message": "m", "severity": {"amazon": "error"}}}})


def test_organic_wording_is_an_error_without_a_certificate_only():
    held = claim_rules().held(["USDA Organic", "CE"], "US")
    assert held == frozenset({"organic"}) and claim_rules().held(["CE", "FCC"], "US") == frozenset()
    assert found(qa.check_claims("title", "Organic Goji Berries", US)) == [("claim-organic", "Organic", "error")]
    assert found(qa.check_claims("title", "Bio-Gojibeeren", DE)) == [("claim-organic", "Bio", "error")]
    assert found(qa.check_claims("title", "Bayas de goji ecológicas", MX)) == [("claim-organic", "ecológicas", "error")]
    assert qa.check_claims("title", "Organic Goji Berries", US, held) == []
    assert qa.check_source_claims("title", "有机枸杞", US, held) == []
    assert found(qa.check_source_claims("title", "有机枸杞", US)) == [("source-claim-organic", "有机", "error")]


@pytest.mark.parametrize("certifications, country, held", [
    (["USDA Organic"], "US", True),
    (["USDA Organic"], "DE", False),  # Chinese goji certified to the NOP is not EU organic
    (["欧盟有机认证"], "FR", True),
    (["EU organic"], "US", False),
    (["有機JAS"], "JP", True),
    (["有机认证"], "US", False),  # China's certificate counts in China only
    (["有机认证"], "DE", False),
    (["organic"], "JP", True),  # the seller's own word, for every market
])
def test_an_organic_certificate_counts_where_it_is_recognised(certifications, country, held):
    assert claim_rules().held(certifications, country) == (frozenset({"organic"}) if held else frozenset())
    assert claim_rules().region("DE") == "EU" and claim_rules().region("JP") == "JP"


GOJI = Product("GJ-1", "有机枸杞", Money(Decimal(22), "CNY"), "c.xlsx", "产品", 2)


def _job(glossary: Glossary, market=US) -> Job:
    return Job(GOJI, market, glossary, ("有机枸杞",), False)


def test_the_organic_term_translates_only_for_a_certified_product():
    starter = garden()
    assert next(e for e in starter if e.source == "有机").requires == "organic"
    plain, certified = starter.for_certificates(frozenset()), starter.for_certificates(frozenset({"organic"}))
    engine = OfflineEngine()
    assert engine.exact("有机枸杞", _job(plain)) is None  # left pending for a person or a model
    assert engine.exact("有机枸杞", _job(certified)).text == "organic goji berries"
    assert engine.exact("有机枸杞", _job(certified, DE)).text == "biologisch Gojibeeren"
    assert engine.exact("腐熟羊粪有机肥", _job(plain)).text == "composted sheep manure organic fertilizer"
    # a model is told never to write the organic forms for this product, and its cache key differs
    assert {"source": "有机", "type": "forbidden", "never": ["organic"]} in \
        glossary_brief(plain, GOJI, "en-US")
    model = ModelEngine(ModelSettings(name="m"))
    assert model.segment_key("有机枸杞", plain, "zh", "en-US") != model.segment_key("有机枸杞", certified, "zh", "en-US")
    assert starter.for_certificates(frozenset({"organic", "CE"})) is certified  # one view per kind held


def test_the_requires_column_is_optional_checked_and_written_back():
    old = read_csv("type,zh,en,case_sensitive,note\nterm,枸杞,goji berries,false,\n", "old.csv")
    assert old[0].requires == ""
    with pytest.raises(GlossaryError, match="certificate kind"):
        read_csv("type,zh,en,case_sensitive,note,requires\nterm,有机,organic,false,,organik\n", "typo.csv")
    text = write_csv(Glossary(read_csv("type,zh,en,case_sensitive,note,requires\n"
                                       "term,有机,organic,false,,organic\nterm,枸杞,goji,false,,\n", "g.csv")))
    assert text.splitlines()[0].endswith(",note,requires")
    assert [e.requires for e in read_csv(text, "again.csv")] == ["organic", ""]


def _project(tmp_path, certifications: str = "") -> None:
    (tmp_path / "xborder.toml").write_text(
        f'[project]\nmarkets = ["amazon-us", "amazon-de", "shopify"]\n{certifications}\n'
        f'[catalog]\ncurrency = "CNY"\n[glossary]\nstarter = false\nfiles = [{json.dumps(str(GARDEN))}]\n',
        encoding="utf-8")


def _listing(dist, market: str, sku: str) -> dict:
    data = json.loads((dist / f"{market}.json").read_text(encoding="utf-8"))
    return next(item for item in data["listings"] if item["sku"] == sku)


def test_a_build_flags_planted_claims_and_uses_organic_only_with_a_certificate(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [
        ["款号", "品名", "规格", "出厂价", "毛重(kg)", "认证", "卖点"],
        ["GJ-1", "有机枸杞", "250g/袋", 22, 0.28, "", "最好的枸杞，治疗失眠，100%安全"],
        ["GJ-2", "有机枸杞", "250g/袋", 22, 0.28, "USDA Organic, 欧盟有机认证", "颗粒饱满"],
        ["GJ-3", "有机枸杞", "250g/袋", 22, 0.28, "USDA Organic", "颗粒饱满"],
    ])
    _project(tmp_path)
    result = run_cli("build", "c.xlsx", *FX)
    assert result.exit_code == 1, result.output  # errors
    dist = tmp_path / "dist"
    plain, certified = _listing(dist, "amazon-us", "GJ-1"), _listing(dist, "amazon-us", "GJ-2")
    shown = [plain["title"], *plain["bullets"], plain["description"], plain["keywords"], *plain["tags"]]
    assert "有机" in plain["title"] and "organic" not in " ".join(shown).casefold()
    assert plain["fields"]["title"]["provenance"] == "pending"
    assert certified["title"].startswith("Organic Goji Berries")
    german = _listing(dist, "amazon-de", "GJ-2")
    # terms joined in Chinese order: shown, but a draft for a translator ('Bio-Gojibeeren')
    assert german["title"].startswith("Biologisch Gojibeeren") and german["draft"]
    report = json.loads((dist / "report.json").read_text(encoding="utf-8"))
    claims = {(f["market"], f["sku"], f["check"], f["term"], f["severity"]) for f in report["findings"]
              if "claim" in f["check"]}
    for market in ("amazon-us", "amazon-de", "shopify"):
        assert {(market, "GJ-1", "source-claim-organic", "有机", "error"),
                (market, "GJ-1", "source-claim-absolute", "最好", "error"),
                (market, "GJ-1", "source-claim-medical", "治疗", "error"),
                (market, "GJ-1", "source-claim-safety", "100%安全", "error")} <= claims
    assert not [c for c in claims if c[1] == "GJ-2"]  # certified, and nothing else claimed
    # a US certificate: organic in the US listing and the own store (US), never in Germany
    assert _listing(dist, "amazon-us", "GJ-3")["title"].startswith("Organic Goji Berries")
    assert "Bio" not in _listing(dist, "amazon-de", "GJ-3")["title"]
    assert {c[0] for c in claims if c[1] == "GJ-3"} == {"amazon-de"}

    _project(tmp_path, 'certifications = ["organic"]')  # the seller's certificate covers every product
    assert run_cli("build", "c.xlsx", *FX, "--out", "again").exit_code == 1
    assert _listing(tmp_path / "again", "amazon-us", "GJ-1")["title"].startswith("Organic Goji Berries")
    report = json.loads((tmp_path / "again" / "report.json").read_text(encoding="utf-8"))
    assert not [f for f in report["findings"] if "organic" in f["check"]]


def test_an_untranslated_field_reports_a_claim_once_as_the_catalog_s(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [
        ["款号", "品名", "规格", "出厂价", "毛重(kg)", "卖点"],
        ["SB-1", "除臭鞋垫", "均码", 6, 0.05, "抗菌除臭，100%安全"],
    ])
    (tmp_path / "xborder.toml").write_text('[project]\nmarkets = ["amazon-jp"]\n[catalog]\ncurrency = "CNY"\n'
                                           '[glossary]\nstarter = false\n', encoding="utf-8")
    run_cli("build", "c.xlsx", *FX)
    item = _listing(tmp_path / "dist", "amazon-jp", "SB-1")
    assert item["bullets"][0] == "抗菌除臭，100%安全"  # nothing translates it offline
    for field in ("bullet_1", "description"):
        claims = [(f["check"], f["term"]) for f in item["fields"][field]["findings"] if "claim" in f["check"]]
        assert claims == [("source-claim-antimicrobial", "抗菌"), ("source-claim-safety", "100%安全")], field
