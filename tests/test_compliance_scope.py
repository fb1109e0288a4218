"""The checklist a compliance officer would sign: for products a Chinese factory sells every day, the exact items
each market's checklist has beyond those of every product, the items it must not have, and why each applies."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from conftest import write_xlsx
from xborder.catalog.model import Product
from xborder.listing.compliance import (ERROR, GIVEN, TO_DO, compliance_for, product_kinds,
                                        read_fibre_composition)
from xborder.markets import build_market, load_markets
from xborder.values import Money

MARKETS = {key: build_market(key, record) for key, record in load_markets().items()}
US, DE, JP = MARKETS["amazon-us"], MARKETS["amazon-de"], MARKETS["amazon-jp"]


def product(name: str, spec: str | None = None, **values) -> Product:
    return Product("SKU-1", name, Money(D(10), "CNY"), "catalog.xlsx", "产品", 2, spec=spec, **values)


KETTLE = product("电水壶", "1.8L 1500W 220V 插头：国标", material="304不锈钢内胆", selling_points=["温控自动断电"])
SPATULA = product("硅胶铲", "耐高温230℃", material="食品级硅胶")
LUNCH_BOX = product("儿童饭盒", "三格 1000ml", material="PP 不含BPA")
MUSHROOM_KIT = product("平菇种植包", "菌包 2kg", material="棉籽壳 菌种")
ANALOG_METER = product("指针式万用表", "测量 AC/DC 500V", material="ABS", selling_points=["使用2节AA电池"])
SPEAKER = product("蓝牙音箱", "蓝牙5.3 内置锂电池 2000mAh", material="ABS")
POWER_BANK = product("充电宝", "10000mAh 22.5W快充 锂聚合物电池", material="铝合金")
HANFU_WITH_PERCENT = product("宋制汉服褙子套装", "三件套", material="面料：100%桑蚕丝")
HANFU = product("宋制汉服褙子套装", "三件套", material="雪纺")

FOOD_CONTACT_EU = "Food contact: Regulation (EC) 1935/2004, declaration of conformity, GMP"
PLASTIC_EU = "Plastic food contact: Regulation (EU) 10/2011 (overall and specific migration)"
LFGB = "Germany: LFGB §30/§31 test report (usual for kitchenware)"
FDA_FCM = "FDA food-contact substances (21 CFR 174-186)"
JP_FCM = "Food Sanitation Act: utensils and containers (器具・容器包装), import notification"
CE = "CE marking and EU Declaration of Conformity (LVD, EMC, RoHS)"
WEEE = "WEEE producer registration and crossed-out wheelie bin"
EAR = "Germany: stiftung ear registration (WEEE-Reg.-Nr.)"
BATTERIES_EU = "Batteries Regulation: producer registration, labelling, take-back"
BATTERIES_DE = "Germany: battery registration with stiftung ear"
BUILT_IN = "Built-in battery: removable and replaceable by the user from 2027-02-18"
UN383 = "UN38.3 test summary and dangerous-goods shipping"
PROP65 = "California Proposition 65 warning"
FCC_ID = "FCC Part 15 certification (FCC ID) for the radio"
FCC_SDOC = "FCC Part 15 Subpart B: Supplier's Declaration of Conformity (digital device)"
PSE = "PSE mark (電気用品安全法)"
PSE_LITHIUM = "Circle PSE for lithium-ion batteries and power banks"
RED = "Radio Equipment Directive (RED)"
GITEKI = "技適 (radio equipment certification)"
UL = "UL / ETL listing (recommended)"
US_VOLTS, US_PLUG = "Rated voltage suits the US's mains (120 V, 60 Hz)", "Plug fits the US's sockets (types A, B)"
DE_VOLTS, DE_PLUG = "Rated voltage suits Germany's mains (230 V, 50 Hz)", "Plug fits Germany's sockets (types C, F)"
JP_VOLTS, JP_PLUG = "Rated voltage suits Japan's mains (100 V, 50/60 Hz)", "Plug fits Japan's sockets (types A, B)"
APHIS = "USDA APHIS import rules for plants, seeds, fungi cultures, soil; state fertilizer registration"
EU_PLANTS = "EU fertilising products and plant health"
JP_PLANTS = "Plant quarantine; fertilizer registration"
TEXTILE_US = "Textile labels: fibre content, country of origin, RN; care instructions"
TEXTILE_EU = "Textile fibre composition label"
TEXTILE_JP = "家庭用品品質表示法: composition and care label"
CPSIA = "CPSIA: Children's Product Certificate from CPSC-accepted lab tests"
CHILD_EU = "Children's products: GPSR safety assessment"
FDA_FOOD = "FDA food facility registration, prior notice and FSVP"


def checklist(item: Product, market) -> dict[str, str]:
    """The items beyond those every product gets, with their status."""
    return {i.requirement: i.status for i in compliance_for(item, market).items if i.kind != "general"}


@pytest.mark.parametrize("item, market, expected", [
    (KETTLE, US, {US_VOLTS: ERROR, US_PLUG: ERROR, UL: TO_DO, PROP65: TO_DO, FDA_FCM: TO_DO}),
    (KETTLE, DE, {DE_VOLTS: GIVEN, DE_PLUG: ERROR, CE: TO_DO, WEEE: TO_DO, EAR: TO_DO, FOOD_CONTACT_EU: TO_DO,
                  LFGB: TO_DO}),
    (KETTLE, JP, {JP_VOLTS: ERROR, JP_PLUG: ERROR, PSE: TO_DO, JP_FCM: TO_DO}),
    (SPATULA, US, {FDA_FCM: TO_DO}),
    (SPATULA, DE, {FOOD_CONTACT_EU: TO_DO, LFGB: TO_DO}),  # silicone is no plastic: no 10/2011
    (SPATULA, JP, {JP_FCM: TO_DO}),
    (LUNCH_BOX, US, {FDA_FCM: TO_DO, CPSIA: TO_DO}),
    (LUNCH_BOX, DE, {FOOD_CONTACT_EU: TO_DO, PLASTIC_EU: TO_DO, LFGB: TO_DO, CHILD_EU: TO_DO}),
    (LUNCH_BOX, JP, {JP_FCM: TO_DO}),
    (MUSHROOM_KIT, US, {APHIS: TO_DO}),  # cottonseed hulls are a substrate, not a textile
    (MUSHROOM_KIT, DE, {EU_PLANTS: TO_DO}),
    (MUSHROOM_KIT, JP, {JP_PLANTS: TO_DO}),
    (ANALOG_METER, US, {PROP65: TO_DO}),  # no radio, no digital circuit: no FCC
    (ANALOG_METER, DE, {CE: TO_DO, WEEE: TO_DO, EAR: TO_DO, BATTERIES_EU: TO_DO, BATTERIES_DE: TO_DO}),
    (ANALOG_METER, JP, {}),  # AA cells, no mains: no PSE
    (SPEAKER, US, {FCC_ID: TO_DO, PROP65: TO_DO, UN383: TO_DO}),  # certified as a radio, so no SDoC besides
    (SPEAKER, DE, {CE: TO_DO, RED: TO_DO, WEEE: TO_DO, EAR: TO_DO, UN383: TO_DO, BATTERIES_EU: TO_DO,
                   BUILT_IN: TO_DO, BATTERIES_DE: TO_DO}),
    (SPEAKER, JP, {GITEKI: TO_DO, UN383: TO_DO}),  # a battery inside a speaker makes no PSE product
    (POWER_BANK, US, {FCC_SDOC: TO_DO, PROP65: TO_DO, UN383: TO_DO}),
    (POWER_BANK, DE, {CE: TO_DO, WEEE: TO_DO, EAR: TO_DO, UN383: TO_DO, BATTERIES_EU: TO_DO, BATTERIES_DE: TO_DO}),
    (POWER_BANK, JP, {PSE_LITHIUM: TO_DO, UN383: TO_DO}),
    (HANFU_WITH_PERCENT, US, {TEXTILE_US: TO_DO}),
    (HANFU_WITH_PERCENT, DE, {TEXTILE_EU: TO_DO}),
    (HANFU_WITH_PERCENT, JP, {TEXTILE_JP: TO_DO}),
    (HANFU, US, {TEXTILE_US: ERROR}),
    (HANFU, DE, {TEXTILE_EU: ERROR}),
    (HANFU, JP, {TEXTILE_JP: TO_DO}),  # a warning outside the EU, UK and US
], ids=lambda value: getattr(value, "key", None) or getattr(value, "name", None) or "")
def test_each_product_gets_exactly_the_items_its_market_requires(item, market, expected):
    assert checklist(item, market) == expected


@pytest.mark.parametrize("item, absent", [
    (KETTLE, {FDA_FOOD, FCC_ID, FCC_SDOC}),  # a kettle touches food but is no food; a thermostat is no digital device
    (SPATULA, {FDA_FOOD, PLASTIC_EU}),
    (ANALOG_METER, {FCC_ID, FCC_SDOC, PSE, PSE_LITHIUM, UN383}),
    (SPEAKER, {FCC_SDOC, PSE, PSE_LITHIUM}),
    (MUSHROOM_KIT, {TEXTILE_US, TEXTILE_EU, FDA_FOOD}),
])
def test_items_that_do_not_belong_are_not_applied(item, absent):
    applied = {i.requirement for market in (US, DE, JP) for i in compliance_for(item, market).items}
    assert not applied & absent


def test_kinds_keep_food_contact_apart_from_food():
    assert "food_contact" in product_kinds(SPATULA) and "food" not in product_kinds(SPATULA)
    assert "food" in product_kinds(product("宁夏枸杞")) and "food_contact" not in product_kinds(product("宁夏枸杞"))
    mug = product_kinds(product("Coffee mug", material="ceramic"))
    assert "food_contact" in mug and "food" not in mug
    assert "food_contact" not in product_kinds(product("宠物碗", material="不锈钢"))  # for a dog, not for people
    assert "food_contact" not in product_kinds(product("陶瓷花盆"))


def test_each_item_says_why_it_applies():
    why = {i.requirement: i.why for i in compliance_for(SPEAKER, US).items}
    assert why[FCC_ID] == "'蓝牙' in 品名 (wireless)"
    assert why[UN383] == "'锂电池' in 规格 (lithium)"
    assert why["Country of origin marking"] == "every product sold in the US"
    assert compliance_for(KETTLE, JP).items and \
        {i.requirement: i.why for i in compliance_for(KETTLE, JP).items}[PSE] == "'电水壶' in 品名 (electrical); mains-powered"
    fcc = {i.requirement: i.why for i in compliance_for(product("LED台灯", "数显调光 USB供电"), US).items}
    assert fcc[FCC_SDOC] == "'数显' in 规格 (digital)"


def test_every_rule_with_a_condition_says_its_scope():
    from xborder.listing.compliance import compliance_data
    for requirement in compliance_data().requirements:
        if requirement.kind in ("food_contact",) or requirement.only_if_all or requirement.requirement in (
                FCC_ID, FCC_SDOC, PSE, PSE_LITHIUM, BUILT_IN, UN383, APHIS, EU_PLANTS, JP_PLANTS):
            assert requirement.scope, requirement.requirement


@pytest.mark.parametrize("text, parts, complete", [
    ("95%棉 5%氨纶", [("cotton", 95), ("elastane", 5)], True),
    ("Cotton 60%, Polyester 40%", [("cotton", 60), ("polyester", 40)], True),
    ("100% Seide", [("silk", 100)], True),
    ("面料：100%桑蚕丝 里料：100%涤纶", [("silk", 100), ("polyester", 100)], True),  # shell and lining
    ("棉95%氨纶5%", [("cotton", 95), ("elastane", 5)], True),
    ("60%棉 30%涤纶", [("cotton", 60), ("polyester", 30)], False),
    ("聚酯纤维", [], False),
    ("雪纺", [], False),
    ("Chiffon / silk mulberry silk", [], False),
    ("丝绒", [], False),  # velvet is a fabric, not silk
])
def test_fibre_composition_is_read_with_its_percentages(text, parts, complete):
    found = read_fibre_composition(text)
    assert [(fibre, int(percent)) for fibre, percent in found.parts] == parts
    assert found.complete is complete


def test_a_fabric_name_is_no_composition_and_the_finding_says_so():
    found = compliance_for(HANFU, DE)
    message = next(f.message for f in found.findings if f.check == "compliance-fibre-composition")
    assert "'雪纺' is a fabric (chiffon), not a fibre" in message and "percentage" in message
    silk = compliance_for(product("汉服", material="Chiffon / silk mulberry silk"), US)
    message = next(f.message for f in silk.findings if f.check == "compliance-fibre-composition")
    assert "silk named without percentages" in message
    assert next(f.severity for f in compliance_for(HANFU, JP).findings
                if f.check == "compliance-fibre-composition") == "warning"


def test_a_textile_without_a_composition_is_held_and_one_with_it_is_ready(tmp_path, run_cli):
    import json
    write_xlsx(tmp_path / "catalog.xlsx", [
        ["款号", "品名", "材质", "出厂价", "毛重(kg)", "品牌"],
        ["HF-1", "汉服褙子", "雪纺", 88, 0.6, "Hanyun"],
        ["HF-2", "汉服褙子", "100%聚酯纤维", 88, 0.6, "Hanyun"],
    ])
    (tmp_path / "xborder.toml").write_text('[project]\nmarkets = ["amazon-de"]\n', encoding="utf-8")
    run_cli("build", "catalog.xlsx", "--fx-date", "2025-06-02")
    listings = {item["sku"]: item for item in
                json.loads((tmp_path / "dist" / "amazon-de.json").read_text(encoding="utf-8"))["listings"]}
    assert "compliance-fibre-composition" in {f["check"] for f in listings["HF-1"]["findings"]}
    assert listings["HF-1"]["status"] != "ready"
    assert "compliance-fibre-composition" not in {f["check"] for f in listings["HF-2"]["findings"]}
    material = next(a["value"] for a in listings["HF-2"]["attributes"] if a["name"] == "Material")
    assert material == "100\u00a0% Polyester"  # the offline engine renders a share of a glossary term
