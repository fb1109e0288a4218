"""Compliance checklist: product kinds, voltage and plug against the market's mains, marks and registrations
per region, the Compliance sheet of listings.xlsx and the findings in the market JSON and report.json."""

from __future__ import annotations

import csv
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import write_xlsx
from xborder.catalog.model import Product
from xborder.data import load
from xborder.listing.compliance import (DISCLAIMER, ERROR, GIVEN, TO_DO, compliance_data, compliance_for,
                                        parse_plug, parse_voltage, product_kinds)
from xborder.markets import get_markets
from xborder.settings import Seller
from xborder.values import Money

US, JP, MX, DE, UK, FR = get_markets(["amazon-us", "amazon-jp", "mercadolibre-mx", "amazon-de", "amazon-uk",
                                      "amazon-fr"])
HEADER = ["款号", "品名", "规格", "材质", "出厂价", "毛重(kg)", "卖点"]
IRON = ["SI-60", "电烙铁", "220V 60W 插头：国标", "", 25, 0.4, "恒温焊接"]
METER = ["ET-101", "数字万用表", "自动量程 600V", "ABS外壳", 38, 0.35, "含电池；背光大屏"]


def product(name: str, spec: str | None = None, **values) -> Product:
    return Product("SKU-1", name, Money(D(10), "CNY"), "catalog.xlsx", "产品", 2, spec=spec, **values)


def checks(compliance) -> dict[str, str]:
    return {f.check: f.message for f in compliance.findings}


def requirements(compliance) -> dict[str, str]:
    return {i.requirement: i.status for i in compliance.items}


# parsing ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, spans", [
    ("220V 60W 插头：国标", ((220, 220),)), ("AC220V", ((220, 220),)), ("110-240V", ((110, 240),)),
    ("100～240V", ((100, 240),)), ("电压：220V", ((220, 220),)), ("AC 100-240V~ 50/60Hz", ((100, 240),)),
    ("110V/220V", ((110, 110), (220, 220))), ("电压范围：100-240V", ((100, 240),)),
    ("Input voltage range 100-240V", ((100, 240),)),
])
def test_rated_mains_voltage_is_read_from_spec_text(text, spans):
    rating = parse_voltage(text, free_text=True)
    assert rating is not None and rating.spans == spans


@pytest.mark.parametrize("text", ["自动量程 600V", "12-1000V", "VDE认证，耐压1000V", "DC 5V", "USB 5V", "CAT III 600V",
                                  "交流电压测量 220V"])
def test_measuring_ranges_and_low_voltages_are_no_mains_rating(text):
    assert parse_voltage(text, free_text=True) is None


def test_a_voltage_cell_may_be_a_bare_number():
    assert parse_voltage("220").spans == ((220, 220),)
    assert parse_voltage("AC 110-240V").spans == ((110, 240),)


@pytest.mark.parametrize("text, standards, types", [
    ("插头：国标", ("CN",), ()), ("国标插头", ("CN",), ()), ("美规", ("US",), ()), ("欧规", ("EU",), ()),
    ("英规", ("UK",), ()), ("日规", ("JP",), ()), ("US plug", ("US",), ()), ("EU plug", ("EU",), ()),
    ("Type C 插头", (), ("C",)),
])
def test_plug_is_read_from_spec_text(text, standards, types):
    plug = parse_plug(text, free_text=True)
    assert plug is not None and (plug.standards, plug.types) == (standards, types)


@pytest.mark.parametrize("text", ["国标铜线", "Type C接口 USB充电", "欧标尺寸 40码"])
def test_words_that_are_not_about_a_plug_are_no_plug(text):
    assert parse_plug(text, free_text=True) is None


def test_plug_cell_takes_a_standard_or_iec_letters():
    assert parse_plug("国标").standards == ("CN",)
    assert parse_plug("US").standards == ("US",)
    assert parse_plug("C/F").types == ("C", "F")


def test_china_plug_is_documented_as_gb_types_a_and_i_with_a_source():
    plug = compliance_data().plugs["CN"]
    assert plug.types == ("A", "I") and "国标" in plug.aliases and "GB 1002" in plug.source


# kinds ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("item, kinds", [
    (product("数字万用表", description="含电池"), {"electrical_electronic", "battery"}),
    (product("电烙铁", "220V 60W"), {"electrical_electronic"}),
    (product("真丝衬衫"), {"textile_apparel"}),
    (product("宁夏枸杞", "250g/袋"), {"food"}),
    (product("腐熟羊粪有机肥"), {"plants_fungi_soil"}),
    (product("儿童积木玩具"), {"childrens"}),
    (product("保湿面霜"), {"cosmetics"}),
    (product("陶瓷茶具套装", material="陶瓷"), set()),  # teaware is no tea
    (product("记忆棉枕头"), set()),  # memory foam is no cotton
    (product("数字万用表", description="不含电池"), {"electrical_electronic"}),
    (product("VDE绝缘螺丝刀套装", "7件套 1000V"), set()),
    (product("旅行收纳盒", voltage="220V"), {"electrical_electronic"}),  # a voltage cell makes it electrical
])
def test_product_kinds_come_from_the_catalog_words(item, kinds):
    assert set(product_kinds(item)) == {"general"} | kinds


# voltage and plug ---------------------------------------------------------------------------------
@pytest.mark.parametrize("market, mains", [(US, "120 V"), (JP, "100 V"), (MX, "127 V")])
def test_220v_china_plug_product_is_an_error_in_120v_100v_and_127v_markets(market, mains):
    found = checks(compliance_for(product("电烙铁", "220V 60W 插头：国标"), market))
    assert found["compliance-voltage"].startswith(f"220 V only: {compliance_data().countries[market.country].name}'s "
                                                  f"mains is {mains}")
    assert "国标" in found["compliance-plug"] and "types A, B" in found["compliance-plug"]
    statuses = {i.status for i in compliance_for(product("电烙铁", "220V 60W 插头：国标"), market).items
                if i.requirement.startswith(("Rated voltage", "Plug fits"))}
    assert statuses == {ERROR}


def test_universal_voltage_and_the_market_plug_pass():
    compliance = compliance_for(product("电烙铁", "110-240V 60W US plug"), US)
    assert not {"compliance-voltage", "compliance-plug", "compliance-voltage-missing"} & set(checks(compliance))
    assert requirements(compliance)["Rated voltage suits the US's mains (120 V, 60 Hz)"] == GIVEN
    assert requirements(compliance)["Plug fits the US's sockets (types A, B)"] == GIVEN


def test_voltage_and_plug_columns_win_over_the_text():
    iron = product("电烙铁", "60W", voltage="AC 100-240V", plug="美规")
    assert not {"compliance-voltage", "compliance-plug"} & set(checks(compliance_for(iron, JP)))
    assert "compliance-plug" in checks(compliance_for(iron, DE))
    assert "compliance-voltage" not in checks(compliance_for(iron, DE))


def test_220v_fits_230v_europe_and_a_missing_voltage_is_a_warning():
    assert "compliance-voltage" not in checks(compliance_for(product("电烙铁", "220V 60W"), DE))
    found = compliance_for(product("电烙铁", "60W"), DE)
    assert [f.severity for f in found.findings if f.check == "compliance-voltage-missing"] == ["warning"]
    # a battery product runs on its battery: no voltage to ask for
    assert "compliance-voltage-missing" not in checks(compliance_for(product("数字万用表", description="含电池"), DE))


# requirements ------------------------------------------------------------------------------------
def test_multimeter_with_battery_for_germany_gets_ce_weee_battery_and_gpsr():
    meter = product("数字万用表", "自动量程 600V", description="含电池")
    compliance = compliance_for(meter, DE)
    needed = requirements(compliance)
    for name in ("CE marking and EU Declaration of Conformity (LVD, EMC, RoHS)",
                 "WEEE producer registration and crossed-out wheelie bin",
                 "Germany: stiftung ear registration (WEEE-Reg.-Nr.)",
                 "Batteries Regulation: producer registration, labelling, take-back",
                 "Germany: battery registration with stiftung ear",
                 "EU responsible economic operator (GPSR)",
                 "Manufacturer name and address, product identifier (GPSR)",
                 "Packaging: LUCID registration and system participation (VerpackG)"):
        assert needed[name] == TO_DO, name
    assert "PSE mark (電気用品安全法)" not in needed and not any("FCC" in n for n in needed)
    found = checks(compliance)
    assert "eu_responsible_person" in found["compliance-responsible-person"]
    assert "compliance-manufacturer" in found


def test_certifications_and_settings_mark_requirements_given():
    meter = product("数字万用表", description="含电池", certifications=["CE", "WEEE-Reg.-Nr. DE 12345678"],
                    manufacturer="义乌市星辰日用品有限公司", manufacturer_address="浙江义乌, www.xingchen.example")
    seller = Seller(eu_responsible_person="EU Rep GmbH, Berlin, rep@example.com")
    compliance = compliance_for(meter, DE, seller)
    needed = requirements(compliance)
    assert needed["CE marking and EU Declaration of Conformity (LVD, EMC, RoHS)"] == GIVEN
    assert needed["Germany: stiftung ear registration (WEEE-Reg.-Nr.)"] == GIVEN
    assert needed["EU responsible economic operator (GPSR)"] == GIVEN
    assert needed["Manufacturer name and address, product identifier (GPSR)"] == GIVEN
    assert needed["Batteries Regulation: producer registration, labelling, take-back"] == TO_DO
    assert not {"compliance-responsible-person", "compliance-manufacturer", "compliance-contact"} & \
        set(checks(compliance))


def test_a_name_without_an_e_mail_or_web_address_is_not_enough_for_gpsr():
    meter = product("数字万用表", description="含电池", manufacturer="义乌市星辰日用品有限公司")
    compliance = compliance_for(meter, DE, Seller(eu_responsible_person="EU Rep GmbH, Hauptstr. 1, 10115 Berlin"))
    needed = requirements(compliance)
    assert needed["EU responsible economic operator (GPSR)"] == TO_DO
    assert needed["Manufacturer name and address, product identifier (GPSR)"] == TO_DO
    contact = [f.message for f in compliance.findings if f.check == "compliance-contact"]
    assert len(contact) == 2 and all("no e-mail or web address" in m for m in contact)
    assert "[compliance] eu_responsible_person" in contact[0] and "manufacturer_address" in contact[1]
    # the UK's rules ask for a contact address, not an electronic one
    assert "compliance-contact" not in checks(compliance_for(meter, UK, Seller(uk_responsible_person="UK Ltd")))


def test_uk_asks_for_ukca_or_ce_and_its_own_responsible_person():
    meter = product("数字万用表", description="含电池", certifications=["CE"])
    compliance = compliance_for(meter, UK)
    assert requirements(compliance)["UKCA (or CE) marking and UK Declaration of Conformity"] == GIVEN
    assert "uk_responsible_person" in checks(compliance)["compliance-responsible-person"]
    assert "compliance-responsible-person" not in checks(compliance_for(meter, UK,
                                                                        Seller(uk_responsible_person="UK Ltd")))


def test_silk_gets_fibre_composition_goji_gets_fda_fertilizer_gets_aphis():
    silk = compliance_for(product("真丝衬衫", material="100%桑蚕丝"), DE)
    assert requirements(silk)["Textile fibre composition label"] == TO_DO  # the label is still to be made
    assert "compliance-fibre-composition" not in checks(silk)
    goji = requirements(compliance_for(product("宁夏枸杞", "250g/袋"), US))
    assert goji["FDA food facility registration, prior notice and FSVP"] == TO_DO
    assert not any("APHIS" in name for name in goji)
    manure = requirements(compliance_for(product("腐熟羊粪有机肥"), US))
    assert any("APHIS" in name for name in manure) and not any("FDA" in name for name in manure)
    assert "Animal by-products: processed manure import" in requirements(compliance_for(product("腐熟羊粪有机肥"), DE))


def test_food_is_outside_gpsr_and_france_gets_triman():
    tea = compliance_for(product("云南普洱茶饼"), FR)
    assert "EU responsible economic operator (GPSR)" not in requirements(tea)
    assert "compliance-responsible-person" not in checks(tea)
    assert "Packaging EPR, Triman logo and sorting information (France)" in requirements(tea)


def test_a_country_the_data_does_not_cover_gets_no_checklist():
    from dataclasses import replace

    elsewhere = replace(US, key="mystery", country="BR")
    compliance = compliance_for(product("电烙铁", "220V 插头：国标"), elsewhere)
    assert compliance.items == [] and compliance.findings == [] and "electrical_electronic" in compliance.kinds


def test_compliance_data_is_consistent_and_sourced():
    known = compliance_data()
    raw = load("compliance.toml")
    market_countries = {m["country"] for m in load("markets.toml")["markets"].values()}
    assert market_countries <= set(known.countries)
    regions = {c.region for c in known.countries.values()} | {"ALL"}
    for requirement in known.requirements:
        assert requirement.kind in known.kinds
        assert set(requirement.regions) <= regions, requirement.requirement
        assert set(requirement.only_if + requirement.except_if) <= set(known.groups), requirement.requirement
        assert requirement.source and requirement.action
        assert requirement.setting in ("", "eu_responsible_person", "uk_responsible_person", "manufacturer")
    for kind in known.kinds.values():
        assert set(kind.groups) <= set(known.groups)
    for country in known.countries.values():
        assert country.source and set(country.plug_standards) <= set(known.plugs)
    assert "../shared" not in json.dumps(raw)
    covered = {(r.kind, region) for r in known.requirements for region in r.regions}
    for kind in ("electrical_electronic", "textile_apparel", "food", "food_contact", "plants_fungi_soil", "childrens", "cosmetics"):
        for region in ("EU", "GB", "US", "JP", "MX"):
            assert (kind, region) in covered, (kind, region)


# end to end --------------------------------------------------------------------------------------
def project(tmp_path: Path, markets: list[str], rows: list[list], compliance: str = "") -> None:
    write_xlsx(tmp_path / "catalog.xlsx", [HEADER, *rows])
    (tmp_path / "xborder.toml").write_text(
        f"[project]\nmarkets = {json.dumps(markets)}\n{compliance}", encoding="utf-8")


def listing(tmp_path: Path, market: str, sku: str) -> dict:
    lines = (tmp_path / "dist" / f"{market}.json").read_text(encoding="utf-8")
    items = json.loads(lines)["listings"]
    return next(item for item in items if item["sku"] == sku)


def test_build_reports_the_soldering_iron_voltage_and_plug_errors(tmp_path, run_cli):
    project(tmp_path, ["amazon-us", "amazon-jp", "mercadolibre-mx"], [IRON])
    result = run_cli("build", "catalog.xlsx", "--fx-date", "2025-06-02")
    assert result.exit_code == 1, result.output  # an error to fix
    for market in ("amazon-us", "amazon-jp", "mercadolibre-mx"):
        item = listing(tmp_path, market, "SI-60")
        found = {f["check"]: f for f in item["findings"]}
        assert found["compliance-voltage"]["severity"] == "error" and found["compliance-plug"]["severity"] == "error"
        assert found["compliance-voltage"]["field"] == "compliance"
        assert "electrical_electronic" in item["compliance"]["kinds"]
    report = json.loads((tmp_path / "dist" / "report.json").read_text(encoding="utf-8"))
    reported = {(f["market"], f["check"]) for f in report["findings"] if f["sku"] == "SI-60"}
    assert ("amazon-jp", "compliance-voltage") in reported and ("mercadolibre-mx", "compliance-plug") in reported


def test_build_universal_iron_with_us_plug_has_no_voltage_or_plug_error(tmp_path, run_cli):
    project(tmp_path, ["amazon-us"], [["SI-61", "电烙铁", "110-240V 60W US plug", "", 25, 0.4, "恒温焊接"]])
    run_cli("build", "catalog.xlsx", "--fx-date", "2025-06-02")
    item = listing(tmp_path, "amazon-us", "SI-61")
    assert not {"compliance-voltage", "compliance-plug"} & {f["check"] for f in item["findings"]}
    # a thermostat soldering iron has no radio and no digital circuit: FCC Part 15 does not reach it
    assert not any(i["requirement"].startswith("FCC") for i in item["compliance"]["items"])
    assert any(i["requirement"].startswith("UL / ETL") and "mains-powered" in i["why"]
               for i in item["compliance"]["items"])


def compliance_rows(tmp_path: Path) -> tuple[list, list[list]]:
    sheet = load_workbook(tmp_path / "dist" / "listings.xlsx")["Compliance"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return rows[:2], rows[2:]


def test_build_writes_the_multimeter_checklist_to_the_compliance_sheet(tmp_path, run_cli):
    project(tmp_path, ["amazon-de"], [METER])
    result = run_cli("build", "catalog.xlsx", "--fx-date", "2025-06-02")
    assert result.exit_code in (0, 1), result.output
    (note, header), rows = compliance_rows(tmp_path)
    assert note[0] == DISCLAIMER
    assert header == ["SKU", "Market", "Product kind", "Requirement", "What to do", "Status", "Source", "Why it applies"]
    by_requirement = {r[3]: r for r in rows if r[0] == "ET-101" and r[1] == "amazon-de"}
    ce = by_requirement["CE marking and EU Declaration of Conformity (LVD, EMC, RoHS)"]
    assert ce[2] == "electrical / electronic" and ce[5] == TO_DO and "2014/35/EU" in ce[6]
    assert "stiftung elektro-altgeräte register" in by_requirement["Germany: stiftung ear registration (WEEE-Reg.-Nr.)"][4]
    assert "2023/1542" in by_requirement["Batteries Regulation: producer registration, labelling, take-back"][6]
    gpsr = by_requirement["EU responsible economic operator (GPSR)"]
    assert gpsr[5] == TO_DO and "2023/988" in gpsr[6]
    findings = listing(tmp_path, "amazon-de", "ET-101")["findings"]
    assert [f["severity"] for f in findings if f["check"] == "compliance-responsible-person"] == ["warning"]
    issues = [list(r) for r in load_workbook(tmp_path / "dist" / "listings.xlsx")["Issues"].iter_rows(values_only=True)]
    assert ["amazon-de", "ET-101", "compliance", "compliance-responsible-person"] in [r[:4] for r in issues]


def test_build_with_an_eu_responsible_person_has_no_gpsr_finding(tmp_path, run_cli):
    project(tmp_path, ["amazon-de"], [METER],
            '[compliance]\neu_responsible_person = "EU Rep GmbH, Hauptstr. 1, 10115 Berlin, rep@eurep.example"\n')
    run_cli("build", "catalog.xlsx", "--fx-date", "2025-06-02")
    assert "compliance-responsible-person" not in {f["check"] for f in listing(tmp_path, "amazon-de", "ET-101")["findings"]}
    _, rows = compliance_rows(tmp_path)
    assert ["ET-101", "EU responsible economic operator (GPSR)", GIVEN] in [[r[0], r[3], r[5]] for r in rows]


def test_tm_import_still_reads_a_workbook_with_a_compliance_sheet(tmp_path, run_cli):
    project(tmp_path, ["amazon-de"], [METER])
    run_cli("build", "catalog.xlsx", "--fx-date", "2025-06-02")
    path = tmp_path / "dist" / "listings.xlsx"
    workbook = load_workbook(path)
    sheet = workbook["amazon-de"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("Title") + 1).value = "Digitalmultimeter mit Batterie"
    workbook.save(path)
    result = run_cli("tm", "import", "dist/listings.xlsx")
    assert result.exit_code == 0, result.output
    assert "1 approved translations" in result.output


# reviewed bugs -------------------------------------------------------------------------------------
def test_a_rated_range_must_contain_the_mains_voltage_a_single_value_gets_the_tolerance():
    found = checks(compliance_for(product("电烙铁", "110-240V 60W", plug="日规"), JP))
    assert found["compliance-voltage"].startswith("110-240 V only: Japan's mains is 100 V")
    assert "compliance-voltage" not in checks(compliance_for(product("电烙铁", "100-240V", plug="日规"), JP))
    assert "compliance-voltage" not in checks(compliance_for(product("电烙铁", "220V 60W"), DE))  # 230 V ±10%


@pytest.mark.parametrize("text", ["110V/220V", "110V/220V切换", "110/220V", "电压：110/220V双电压"])
def test_dual_voltage_is_read_as_several_values(text):
    rating = parse_voltage(text, free_text=True)
    assert rating is not None and rating.spans == ((110, 110), (220, 220))
    assert parse_voltage(text).spans == ((110, 110), (220, 220))


@pytest.mark.parametrize("voltage", ["110V/220V", "110V/220V切换", "110/220V", "110V", "120V", "127V", "100-120V"])
def test_us_market_ratings_and_dual_voltage_fit_mexico(voltage):
    compliance = compliance_for(product("吹风机", voltage=voltage, plug="美规"), MX)
    assert "compliance-voltage" not in checks(compliance)
    assert requirements(compliance)["Rated voltage suits Mexico's mains (127 V, 60 Hz)"] == GIVEN


def test_mexico_still_rejects_230v_and_the_accepted_ratings_are_sourced():
    assert "compliance-voltage" in checks(compliance_for(product("吹风机", voltage="220V", plug="美规"), MX))
    assert "compliance-voltage" in checks(compliance_for(product("吹风机", voltage="220-240V", plug="美规"), MX))
    mexico = compliance_data().countries["MX"]
    assert set(mexico.accepted_ratings) >= {110, 120, 127} and mexico.accepted_ratings_source
    assert compliance_data().countries["JP"].accepted_ratings == ()


def test_a_plug_without_a_voltage_still_asks_for_the_voltage():
    for curler in (product("卷发棒", plug="美规"), product("卷发棒", "插头：美规")):
        compliance = compliance_for(curler, US)
        assert [f.severity for f in compliance.findings if f.check == "compliance-voltage-missing"] == ["warning"]
        assert "compliance-plug" not in checks(compliance)
    assert "compliance-voltage-missing" not in checks(compliance_for(product("卷发棒", "120V", plug="美规"), US))


@pytest.mark.parametrize("market", [US, JP, MX])
def test_the_china_plug_message_says_why_it_does_not_do(market):
    message = checks(compliance_for(product("电烙铁", "100-240V 插头：国标"), market))["compliance-plug"]
    assert "is not used in" not in message
    assert "GB 1002" in message and "220 V" in message and "types A, B" in message


@pytest.mark.parametrize("item", [
    product("数码相机", description="含锂电池"), product("USB摄像头"), product("蓝牙耳机"), product("充电宝 10000mAh"),
    product("LED手电筒"), product("智能手表"), product("Digital camera"), product("Wireless earbuds"),
    product("Power bank"), product("Flashlight"), product("Smartwatch"), product("卷发棒"),
])
def test_electronics_are_electrical(item):
    assert "electrical_electronic" in product_kinds(item)


@pytest.mark.parametrize("item", [
    product("数码印花连衣裙", material="聚酯纤维"), product("相机包", material="帆布"), product("Camera strap"),
    product("鼠标垫"),
])
def test_accessories_and_digital_prints_are_not_electrical(item):
    assert "electrical_electronic" not in product_kinds(item)


def test_camera_with_lithium_battery_gets_ce_weee_and_fcc():
    camera = product("数码相机", description="含锂电池")
    de, us = requirements(compliance_for(camera, DE)), requirements(compliance_for(camera, US))
    assert de["CE marking and EU Declaration of Conformity (LVD, EMC, RoHS)"] == TO_DO
    assert de["WEEE producer registration and crossed-out wheelie bin"] == TO_DO
    assert us["FCC Part 15 Subpart B: Supplier's Declaration of Conformity (digital device)"] == TO_DO


def test_the_manufacturer_address_comes_from_its_column_or_the_project_and_stays_out_of_the_name(tmp_path, run_cli):
    write_xlsx(tmp_path / "catalog.xlsx", [
        [*HEADER, "生产厂家", "厂家地址"],
        [*METER, "", ""],  # the project's maker, and its address
        ["ET-102", "钳形表", "600A", "ABS外壳", 52, 0.4, "含电池", "宁波仪表厂", "浙江宁波, info@nbyb.example"],
        ["ET-103", "测电笔", "", "ABS外壳", 8, 0.05, "含电池", "台州电笔厂", ""],  # another maker: not the project's address
    ])
    (tmp_path / "xborder.toml").write_text(
        '[project]\nmarkets = ["amazon-de"]\nbrand = "Lumi"\nmanufacturer = "义乌星辰"\n'
        '[compliance]\nmanufacturer_address = "浙江义乌, sales@xingchen.example"\n', encoding="utf-8")
    run_cli("build", "--include-held", "catalog.xlsx", "--fx-date", "2025-06-02")
    _, rows = compliance_rows(tmp_path)
    status = {r[0]: r[5] for r in rows if r[3] == "Manufacturer name and address, product identifier (GPSR)"}
    assert status == {"ET-101": GIVEN, "ET-102": GIVEN, "ET-103": TO_DO}
    contact = [f for f in listing(tmp_path, "amazon-de", "ET-103")["findings"] if f["check"] == "compliance-contact"]
    assert len(contact) == 1 and "台州电笔厂" in contact[0]["message"]
    with open(tmp_path / "dist" / "amazon-de-flatfile.txt", encoding="utf-8-sig") as handle:
        flat = {row["item_sku"]: row["manufacturer"] for row in csv.DictReader(handle, dialect="excel-tab")}
    assert (flat["ET-101"], flat["ET-102"], flat["ET-103"]) == ("义乌星辰", "宁波仪表厂", "台州电笔厂")
