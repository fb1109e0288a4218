"""`xborder build` end to end: read every output back and check what a seller would upload."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import EXAMPLE_CATALOG, write_csv, write_xlsx
from xborder.exports.store_csv import SHOPIFY_HEADERS

EXAMPLES = EXAMPLE_CATALOG.parent
FX = ("--fx-date", "2025-06-02")
HEADER = ["款号", "品名", "规格", "材质", "颜色", "尺码", "出厂价", "毛重(kg)", "包装尺寸(cm)", "卖点"]


@pytest.fixture(autouse=True)
def _own_memory(monkeypatch):
    monkeypatch.delenv("XBORDER_MEMORY", raising=False)


@pytest.fixture
def example(tmp_path) -> Path:
    """A copy of examples/ as the current folder's project."""
    for item in EXAMPLES.iterdir():
        if item.is_file():
            shutil.copy(item, tmp_path / item.name)
    return tmp_path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_example_builds_every_file(example, run_cli):
    result = run_cli("build", "catalog.xlsx", *FX)
    assert result.exit_code == 0, result.output
    dist = example / "dist"
    expected = {"listings.xlsx", "shopify.csv", "woocommerce.csv", "pending.xlf", "report.json",
                "amazon-us.json", "amazon-de.json", "amazon-jp.json", "tiktok-uk.json", "shopify.json",
                "amazon-us-flatfile.txt", "amazon-de-flatfile.txt", "amazon-jp-flatfile.txt", "tiktok-uk-upload.xlsx"}
    assert expected <= {p.name for p in dist.iterdir()}
    report = load(dist / "report.json")
    assert report["totals"]["listings"] == 13 * 5
    assert report["fx"]["date"] <= "2025-06-02"
    assert "listings complete" in result.output


def test_example_listings_are_complete_with_the_example_memory(example, run_cli):
    result = run_cli("build", "catalog.xlsx", *FX, "--fail-on-pending")
    assert result.exit_code == 0, result.output
    report = load(example / "dist" / "report.json")
    assert report["totals"]["pending_segments"] == 0
    assert report["totals"]["complete_listings"] == report["totals"]["listings"]
    us = {item["sku"]: item for item in load(example / "dist" / "amazon-us.json")["listings"]}
    assert "Hanfu" in us["HF-S02"]["title"]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in us["UM-88"]["title"] + " ".join(us["UM-88"]["bullets"]))


def test_shopify_csv_headers_and_variant_rows(example, run_cli):
    assert run_cli("build", "catalog.xlsx", *FX).exit_code == 0
    path = example / "dist" / "shopify.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[:len(SHOPIFY_HEADERS)] == SHOPIFY_HEADERS
    # named after the store's Shopify Market: the country's English name unless shopify_market says otherwise
    assert header[len(SHOPIFY_HEADERS):] == ["Included / United States", "Price / United States",
                                             "Compare-at price / United States"]
    rows = read_csv(path)
    skirt = [r for r in rows if r["SKU"].startswith("HF-M01")]
    assert len(skirt) == 9  # 3 colours × 3 sizes, merged from two catalog rows
    assert len({r["URL handle"] for r in skirt}) == 1
    assert skirt[0]["Title"] and all(not r["Title"] for r in skirt[1:])
    assert skirt[0]["Option1 name"] and skirt[0]["Option2 name"] and not skirt[1]["Option1 name"]
    assert {r["Option2 value"] for r in skirt} == {"S", "M", "L"}
    assert all(r["Price"] == r["Price / United States"] for r in skirt)
    # the black skirt's row in the catalog has its own, higher factory cost
    black = [r for r in skirt if r["Option1 value"] == "Black"]
    assert len(black) == 3 and all(float(r["Price"]) > float(skirt[0]["Price"]) for r in black)
    assert all(set(r["URL handle"]) <= set("abcdefghijklmnopqrstuvwxyz0123456789-") for r in rows)
    single = [r for r in rows if r["SKU"] == "GF-500"]
    assert len(single) == 1 and single[0]["Status"] == "draft" and single[0]["Weight value (grams)"] == "550"


def test_amazon_flat_file_fields_with_parent_and_child_rows(example, run_cli):
    from xborder.listing.uploads import templates

    assert run_cli("build", "catalog.xlsx", *FX).exit_code == 0
    with (example / "dist" / "amazon-de-flatfile.txt").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
        handle.seek(0)
        assert next(csv.reader(handle, delimiter="\t")) == [header for header, _ in templates()["amazon"].columns]
    parent = next(r for r in rows if r["item_sku"] == "HF-M01")
    children = [r for r in rows if r["parent_sku"] == "HF-M01"]
    assert parent["parent_child"] == "parent" and parent["variation_theme"] == "SizeColor" and not parent["standard_price"]
    assert len(children) == 9 and {c["color_name"] for c in children} == {"Rot", "Blau", "Schwarz"}
    assert parent["brand_name"] == "Xingchen" and parent["feed_product_type"] == "SKIRT" and not parent["quantity"]
    assert all(c["brand_name"] == "Xingchen" and c["country_of_origin"] == "China" for c in children)
    single = next(r for r in rows if r["item_sku"] == "GF-500")
    assert single["parent_child"] == "" and single["currency"] == "EUR" and single["bullet_point1"]
    assert len(single["generic_keywords"].encode("utf-8")) < 250
    assert not (example / "dist" / "tiktok-uk-flatfile.txt").exists()
    assert (example / "dist" / "tiktok-uk-upload.xlsx").exists()


def test_woocommerce_variable_products(example, run_cli):
    assert run_cli("build", "catalog.xlsx", *FX).exit_code == 0
    rows = read_csv(example / "dist" / "woocommerce.csv")
    parent = next(r for r in rows if r["SKU"] == "HF-M01")
    children = [r for r in rows if r["Parent"] == "HF-M01"]
    assert parent["Type"] == "variable" and len(children) == 9
    assert all(c["Type"] == "variation" and c["Regular price"] for c in children)
    simple = next(r for r in rows if r["SKU"] == "GF-500")
    assert simple["Type"] == "simple" and simple["Published"] == "-1" and simple["Weight (kg)"] == "0.55"


def test_every_field_within_the_market_limits(example, run_cli):
    assert run_cli("build", "catalog.xlsx", *FX).exit_code == 0
    from xborder.markets import get_markets

    for market in get_markets(["amazon-us", "amazon-de", "amazon-jp", "tiktok-uk", "shopify"]):
        limits = market.limits
        for item in load(example / "dist" / f"{market.key}.json")["listings"]:
            if limits.title_chars:
                assert len(item["title"]) <= limits.title_chars
            assert len(item["bullets"]) <= limits.bullet_count
            assert all(len(b) <= limits.bullet_chars for b in item["bullets"])
            if limits.keywords_bytes:
                assert len(item["keywords"].encode("utf-8")) <= limits.keywords_bytes
            if limits.description_chars:
                assert len(item["description"]) <= limits.description_chars


def long_catalog(path: Path) -> Path:
    name = "汉服" * 3 + "马面裙" + "明制" + "宋制"
    points = ["遇水变色，晴雨两用"] * 2
    terms = "、".join(["有机肥", "多肉", "汉服", "马面裙", "中国结", "万用表", "钳形表", "测电笔", "枸杞", "普洱", "雪纺",
                      "桑蚕丝", "铬钒钢", "聚酯纤维", "晴雨伞", "腐熟羊粪", "缓释肥", "营养土", "椰糠", "珍珠岩"])
    return write_xlsx(path, [HEADER, ["L-1", name, "", terms, "红色/黑色", "", 30, 0.5, "10*10*10", "\n".join(points)]])


def test_keywords_stay_under_their_byte_limit_and_report_what_was_left_out(tmp_path, run_cli):
    long_catalog(tmp_path / "long.xlsx")
    result = run_cli("build", "long.xlsx", *FX, "--market", "amazon-us", "--market", "amazon-jp")
    assert result.exit_code in (0, 1), result.output
    for key, limit in (("amazon-us", 249), ("amazon-jp", 499)):
        item = load(tmp_path / "dist" / f"{key}.json")["listings"][0]
        assert 0 < len(item["keywords"].encode("utf-8")) <= limit
    us = load(tmp_path / "dist" / "amazon-us.json")["listings"][0]
    assert any(f["check"] == "keywords-dropped" for f in us["fields"]["keywords"]["findings"])


def test_overlong_title_is_shortened_at_a_word_boundary(tmp_path, run_cli):
    long_catalog(tmp_path / "long.xlsx")
    from xborder.language.memory import TranslationMemory

    words = ["Traditional", "Hanfu", "Skirt", "Ming-style", "Mamianqun"] * 12
    long_title = " ".join(words)
    source = " ".join(["汉服" * 3 + "马面裙" + "明制" + "宋制", "、".join(["有机肥"])])
    with TranslationMemory(tmp_path / ".xborder" / "memory.sqlite") as memory:
        from xborder.catalog import read_catalog

        product = read_catalog(tmp_path / "long.xlsx").products[0]
        source = " ".join(p for p in (product.brand, product.name, product.material, product.spec) if p)
        memory.approve(source, long_title, "zh", "en")
    assert run_cli("build", "long.xlsx", *FX, "--market", "ebay-us").exit_code in (0, 1)
    item = load(tmp_path / "dist" / "ebay-us.json")["listings"][0]
    title = item["title"]
    assert len(title) <= 80
    assert long_title.startswith(title) and long_title[len(title)] == " "  # never cut mid-word
    assert any(f["check"] == "shortened" for f in item["fields"]["title"]["findings"])


def test_formula_like_cells_are_neutralized(tmp_path, run_cli):
    # a CSV keeps the text as typed; a workbook would have turned it into a formula already
    write_csv(tmp_path / "evil.csv", [HEADER, ["EV-1", "=HYPERLINK(\"http://x\")", "", "", "", "", 10, 0.2, "",
                                               "+1 买一送一"]])
    result = run_cli("build", "--include-held", "evil.csv", *FX, "--market", "shopify", "--market", "amazon-us")
    assert result.exit_code in (0, 1), result.output
    rows = read_csv(tmp_path / "dist" / "shopify.csv")
    assert rows[0]["Title"].startswith("'=")
    sheet = load_workbook(tmp_path / "dist" / "listings.xlsx")["amazon-us"]
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)]
    assert values and not any(v.startswith(("=", "+", "@")) for v in values)
    assert any(v.startswith("'=") for v in values)


def new_catalog(path: Path) -> Path:
    return write_xlsx(path, [HEADER,
                             ["N-1", "竹制茶盘", "40*27cm", "竹", "原木色", "", 58, 1.2, "45*30*6", "天然竹材\n排水槽设计"],
                             ["N-2", "陶瓷茶杯", "150ml", "陶瓷", "白色/青色", "", 12, 0.3, "10*10*8", "手工拉坯"]])


def test_new_catalog_shows_pending_text_honestly(tmp_path, run_cli):
    new_catalog(tmp_path / "new.xlsx")
    result = run_cli("build", "new.xlsx", *FX, "--market", "amazon-de")
    assert result.exit_code == 1, result.output  # untranslated text is an error on the listing
    report = load(tmp_path / "dist" / "report.json")
    assert report["totals"]["pending_segments"] > 0
    item = load(tmp_path / "dist" / "amazon-de.json")["listings"][0]
    assert item["pending"] and item["fields"]["title"]["provenance"] == "pending"
    assert any(f["check"] == "untranslated" for f in item["fields"]["title"]["findings"])
    assert run_cli("build", "new.xlsx", *FX, "--market", "amazon-de", "--fail-on-pending").exit_code == 1


def test_pending_xliff_is_valid_and_importable(tmp_path, run_cli):
    from translate.storage import xliff

    new_catalog(tmp_path / "new.xlsx")
    run_cli("build", "new.xlsx", *FX, "--market", "amazon-de")
    store = xliff.xlifffile.parsefile(str(tmp_path / "dist" / "pending.xlf"))
    sources = [u.source for u in store.units]
    assert "竹制茶盘" in sources and "排水槽设计" in sources
    for unit in store.units:
        unit.target = f"DE[{unit.source}]"
    (tmp_path / "done.xlf").write_bytes(bytes(store))
    result = run_cli("tm", "import", "done.xlf")
    assert result.exit_code == 0, result.output
    run_cli("build", "new.xlsx", *FX, "--market", "amazon-de")
    report = load(tmp_path / "dist" / "report.json")
    assert report["totals"]["pending_segments"] == 0
    item = load(tmp_path / "dist" / "amazon-de.json")["listings"][0]
    assert item["title"].startswith("DE[竹制茶盘]")
    assert item["fields"]["title"]["provenance"] == "memory"


def test_review_workbook_round_trip(example, run_cli):
    assert run_cli("build", "catalog.xlsx", *FX).exit_code == 0
    path = example / "dist" / "listings.xlsx"
    wb = load_workbook(path)
    ws = wb["amazon-us"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "UM-88")
    title_cell = row[header.index("Title")]
    bullet_cell = row[header.index("Bullet 1")]
    title_cell.value = "Color-Changing Umbrella, Tri-fold, 105 cm Canopy"
    bullet_cell.value = "Shows a flower pattern when it gets wet"
    wb.save(path)
    result = run_cli("tm", "import", "dist/listings.xlsx")
    assert result.exit_code == 0, result.output
    assert "2 approved translations" in result.output
    assert run_cli("build", "catalog.xlsx", *FX).exit_code == 0
    for market in ("amazon-us", "tiktok-uk"):  # every English listing of the same source text
        item = next(i for i in load(example / "dist" / f"{market}.json")["listings"] if i["sku"] == "UM-88")
        assert item["title"] == "Color-Changing Umbrella, Tri-fold, 105 cm Canopy"
        assert item["fields"]["title"]["provenance"] == "memory"
    us = next(i for i in load(example / "dist" / "amazon-us.json")["listings"] if i["sku"] == "UM-88")
    assert us["bullets"][0] == "Shows a flower pattern when it gets wet"
    de = next(i for i in load(example / "dist" / "amazon-de.json")["listings"] if i["sku"] == "UM-88")
    assert de["title"] != us["title"]
    # a corrected keyword list is used as written, in the market's byte limit
    wb = load_workbook(path := example / "dist" / "listings.xlsx")
    ws = wb["amazon-us"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "UM-88")
    row[header.index("Keywords")].value = "rain umbrella changes color"
    wb.save(path)
    assert "1 approved translations" in run_cli("tm", "import", "dist/listings.xlsx").output
    assert run_cli("build", "catalog.xlsx", *FX).exit_code == 0
    us = next(i for i in load(example / "dist" / "amazon-us.json")["listings"] if i["sku"] == "UM-88")
    assert us["keywords"] == "rain umbrella changes color"
    # importing the unchanged new workbook stores nothing more
    assert "0 approved translations" in run_cli("tm", "import", "dist/listings.xlsx").output


def test_second_build_is_byte_identical_except_the_report(example, run_cli):
    assert run_cli("build", "catalog.xlsx", *FX, "--out", "a").exit_code == 0
    assert run_cli("build", "catalog.xlsx", *FX, "--out", "b").exit_code == 0
    for path in (example / "a").iterdir():
        twin = example / "b" / path.name
        if path.name == "report.json":
            continue
        assert path.read_bytes() == twin.read_bytes(), path.name


def test_several_catalogs_sku_filter_and_bad_rows(tmp_path, run_cli):
    folder = tmp_path / "factories"
    folder.mkdir()
    new_catalog(folder / "tea.xlsx")
    write_xlsx(folder / "bad.xlsx", [HEADER, ["B-1", "雨伞", "", "", "", "", "abc", "", "", ""],
                                      ["B-2", "雨伞二", "", "", "", "", 20, "", "", ""]])
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    result = run_cli("build", "factories", *FX, "--market", "amazon-us")
    assert result.exit_code == 2  # a row with an unreadable price and a broken file; the rest is built
    assert "left out" in result.output and "broken.xlsx" in result.output
    assert (tmp_path / "dist" / "tea" / "amazon-us.json").is_file()
    bad = load(tmp_path / "dist" / "bad" / "amazon-us.json")["listings"]
    assert [i["sku"] for i in bad] == ["B-2"]
    report = load(tmp_path / "dist" / "report.json")
    assert {Path(c["file"]).name for c in report["catalogs"]} == {"tea.xlsx", "bad.xlsx"}
    assert len(report["unreadable"]) == 1 and "broken.xlsx" in report["unreadable"][0]
    result = run_cli("build", str(folder / "tea.xlsx"), *FX, "--market", "amazon-us", "--sku", "N-2", "--out", "one")
    assert [i["sku"] for i in load(tmp_path / "one" / "amazon-us.json")["listings"]] == ["N-2"]


def test_build_bad_input_is_one_line(tmp_path, run_cli):
    (tmp_path / "x.xlsx").write_bytes(b"not a workbook")
    result = run_cli("build", "x.xlsx")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    result = run_cli("build", str(EXAMPLE_CATALOG), "--market", "nowhere")
    assert result.exit_code == 2 and "unknown market 'nowhere'" in result.output
