"""Big catalogs: builds streamed a chunk of products at a time, the review workbook past Excel's row limit,
--shard for CI jobs that share a catalog, and a batch engine's round trip through `xborder build`."""

from __future__ import annotations

import json
import random

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

import xborder.build as build_module
import xborder.exports.review_workbook as export_xlsx
from conftest import write_xlsx
from fake_openai import Reply, run_batch
from xborder.build import BuildOptions, build, build_and_write, in_shard, write_build
from xborder.config import load_config
from xborder.exports.review_workbook import read_corrections

HEADER = ["款号", "品名", "规格", "材质", "颜色", "出厂价", "毛重"]
NAMES = ["数字万用表", "遇水变色雨伞", "腐熟羊粪有机肥", "汉服马面裙"]
FX = ("--fx-date", "2025-01-31")


def rows(count: int, seed: int = 3) -> list[list[object]]:
    rng = random.Random(seed)
    out: list[list[object]] = [HEADER]
    for i in range(count):
        # every third product has the same name: their handles collide across chunks
        out.append([f"P-{i:03d}", NAMES[i % 4] if i % 3 else "雨伞", f"{i + 1}kg/袋", "ABS", "红色/黑色",
                    rng.randint(5, 90), 0.5])
    return out


def sheets(path) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_a_streamed_build_writes_what_the_listings_in_memory_give(tmp_path, monkeypatch):
    monkeypatch.setattr(build_module, "CHUNK_PRODUCTS", 4)  # 11 products: three chunks
    write_xlsx(tmp_path / "c.xlsx", rows(11))
    (tmp_path / "xborder.toml").write_text('[project]\nmarkets = ["amazon-us", "amazon-de", "shopify"]\n'
                                           '[pricing]\nfx_date = "2025-01-31"\n', encoding="utf-8")
    config = load_config(tmp_path / "xborder.toml")
    streamed = build_and_write([tmp_path / "c.xlsx"], config, BuildOptions(out=tmp_path / "a",
                                                                           memory=tmp_path / "m.sqlite"))
    kept = build([tmp_path / "c.xlsx"], config, BuildOptions(out=tmp_path / "b", memory=tmp_path / "m.sqlite"))
    write_build(kept)
    assert streamed.catalogs[0].listings == {"amazon-us": [], "amazon-de": [], "shopify": []}  # none kept
    assert [len(items) for items in kept.catalogs[0].listings.values()] == [11, 11, 11]
    for name in ("amazon-us.json", "amazon-de.json", "shopify.json", "shopify.csv", "amazon-us-flatfile.txt",
                 "woocommerce.csv", "pending.xlf"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert sheets(tmp_path / "a" / "listings.xlsx") == sheets(tmp_path / "b" / "listings.xlsx")
    a, b = (json.loads((tmp_path / d / "report.json").read_text(encoding="utf-8")) for d in "ab")
    assert a["totals"] == b["totals"] and a["findings"] == b["findings"] and a["findings"]
    assert a["totals"]["listings"] == 33
    handles = [item["handle"] for item in json.loads((tmp_path / "a" / "amazon-us.json").read_text())["listings"]]
    assert len(set(handles)) == 11  # unique across chunks


def test_a_sheet_past_excels_last_row_continues_on_a_sheet_of_its_own(tmp_path, run_cli, monkeypatch):
    monkeypatch.setattr(export_xlsx, "MAX_ROWS", 4)  # a header and three rows per sheet
    write_xlsx(tmp_path / "c.xlsx", rows(7))
    assert run_cli("build", "c.xlsx", "-m", "amazon-us", "-m", "amazon-de", *FX).exit_code in (0, 1)
    book = sheets(tmp_path / "dist" / "listings.xlsx")
    assert [name for name in book if name.startswith("Prices")] == ["Prices", "Prices (2)", "Prices (3)",
                                                                     "Prices (4)", "Prices (5)"]
    prices = [row for name in book if name.startswith("Prices") for row in book[name][1:]]
    assert len(prices) == 14 and all(book[name][0][0] == "Market" for name in book if name.startswith("Prices"))
    assert sorted(r[1] for r in prices if r[0] == "amazon-de") == [f"P-{i:03d}" for i in range(7)]


def test_corrections_in_the_review_workbook_are_found_and_old_workbooks_still_read(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", rows(3))
    assert run_cli("build", "c.xlsx", "-m", "amazon-us", *FX).exit_code in (0, 1)
    from openpyxl import load_workbook

    path = tmp_path / "dist" / "listings.xlsx"
    wb = load_workbook(path)
    ws = wb["amazon-us"]
    header = [c.value for c in ws[1]]
    ws.cell(row=3, column=header.index("Title") + 1).value = "Digital Multimeter, ABS"
    wb.save(path)
    found = read_corrections(path)
    assert len(found) == 1 and found[0][1] == "Digital Multimeter, ABS" and found[0][0].startswith("遇水变色雨伞")

    old = Workbook()
    old.active.title = "amazon-us"
    old.active.append(["SKU", "Title"])
    old.active.append(["P-001", "Umbrella, corrected"])
    record = old.create_sheet("_xborder")
    record.append(["sheet", "sku", "column", "source", "source_lang", "target_lang", "market", "generated"])
    record.append(["amazon-us", "P-001", "Title", "雨伞", "zh", "en", "amazon-us", "雨伞"])
    old.save(tmp_path / "old.xlsx")
    assert read_corrections(tmp_path / "old.xlsx") == [("雨伞", "Umbrella, corrected", "zh", "en", "")]


def test_shards_split_the_products_stably_and_together_cover_them_once(tmp_path, run_cli):
    table = rows(40)
    write_xlsx(tmp_path / "c.xlsx", table)
    built = {}
    for k in (1, 2, 3):
        result = run_cli("build", "c.xlsx", "-m", "amazon-us", "--shard", f"{k}/3", "--out", f"s{k}", *FX)
        assert result.exit_code in (0, 1), result.output
        data = json.loads((tmp_path / f"s{k}" / "amazon-us.json").read_text(encoding="utf-8"))
        built[k] = {item["sku"] for item in data["listings"]}
    assert sorted(sku for skus in built.values() for sku in skus) == sorted(r[0] for r in table[1:])
    assert all(built.values())  # every shard has some of 40
    shuffled = [table[0]] + random.Random(9).sample(table[1:], 40) + [["P-900", "新产品", "", "", "", 12, 0.3]]
    write_xlsx(tmp_path / "c.xlsx", shuffled)
    result = run_cli("build", "c.xlsx", "-m", "amazon-us", "--shard", "2/3", "--out", "again", *FX)
    data = json.loads((tmp_path / "again" / "amazon-us.json").read_text(encoding="utf-8"))
    assert {item["sku"] for item in data["listings"]} - {"P-900"} == built[2]  # reordered and grown: the same
    assert ("P-900" in {item["sku"] for item in data["listings"]}) == in_shard("P-900", (2, 3))


@pytest.mark.parametrize("value", ["3/2", "0/2", "abc", "1/0", "1/2/3"])
def test_a_bad_shard_is_one_line(tmp_path, run_cli, value):
    write_xlsx(tmp_path / "c.xlsx", rows(2))
    result = run_cli("build", "c.xlsx", "--shard", value)
    assert result.exit_code == 2 and "--shard" in result.output and "Traceback" not in result.output


CONFIG = """\
[project]
markets = ["amazon-de", "amazon-us"]
brand = "Lumi"  # the Amazon flat file needs one
engine = "openai"
[pricing]
fx_date = "2025-01-31"
fulfilment = "direct"
freight_per_unit = "2"
[markets.amazon-de.duty]
rate = "0.04"
[markets.amazon-us.duty]
rate = "0.05"
[model]
name = "test-model"
concurrency = 2
timeout = 5
retries = 1
retry_wait = 0.01
max_wait = 0.1
"""



def test_batch_out_then_batch_in_builds_every_listing_with_no_live_request(tmp_path, run_cli, server, monkeypatch):
    monkeypatch.setattr(build_module, "CHUNK_PRODUCTS", 2)
    write_xlsx(tmp_path / "c.xlsx", rows(5))
    (tmp_path / "xborder.toml").write_text(CONFIG, encoding="utf-8")
    result = run_cli("build", "c.xlsx", "--batch-out", "requests.jsonl")
    assert result.exit_code == 0, result.output
    assert "10 requests for 10 listings written to requests.jsonl" in result.output
    assert server.requests == [] and not (tmp_path / "dist").exists()
    ids = [json.loads(line)["custom_id"] for line in (tmp_path / "requests.jsonl").read_text().splitlines()]
    assert len(set(ids)) == 10

    assert run_batch(tmp_path / "requests.jsonl", tmp_path / "results.jsonl") == 10  # as vllm run-batch would
    server.default = Reply(status=500, error="down")  # the build must not need the endpoint
    result = run_cli("build", "c.xlsx", "--batch-in", "results.jsonl", "--json")
    assert result.exit_code == 0, result.output
    assert server.requests == []
    report = json.loads((tmp_path / "dist" / "report.json").read_text(encoding="utf-8"))
    assert report["batch"]["imported"] == 10 and report["batch"]["missing"] == []
    assert report["totals"]["complete_listings"] == 10
    for key in ("amazon-de", "amazon-us"):
        listings = json.loads((tmp_path / "dist" / f"{key}.json").read_text(encoding="utf-8"))["listings"]
        assert all(item["fields"]["title"]["provenance"] == "model" for item in listings)

    server.default = Reply()
    again = run_cli("build", "c.xlsx")
    assert again.exit_code == 0 and server.requests == []  # the memory holds every listing


def test_batch_flags_need_the_model_engine(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", rows(2))
    for flag in ("--batch-out", "--batch-in"):
        result = run_cli("build", "c.xlsx", flag, "x.jsonl", "--engine", "offline")
        assert result.exit_code == 2 and "model engine" in result.output, result.output


def test_a_model_build_in_chunks_asks_once_per_product_and_market(tmp_path, run_cli, server, monkeypatch):
    monkeypatch.setattr(build_module, "CHUNK_PRODUCTS", 2)
    write_xlsx(tmp_path / "c.xlsx", rows(5))
    (tmp_path / "xborder.toml").write_text(CONFIG, encoding="utf-8")
    assert run_cli("build", "c.xlsx").exit_code == 0
    assert len(server.requests) == 10
    server.requests.clear()
    assert run_cli("build", "c.xlsx").exit_code == 0 and server.requests == []
    result = run_cli("build", "c.xlsx", "--max-requests", "0")
    assert result.exit_code == 0  # nothing to ask: the budget is not reached



def test_the_issues_sheet_has_one_row_for_a_listings_fields_still_in_chinese(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", rows(2))
    assert run_cli("build", "c.xlsx", "-m", "amazon-de", *FX).exit_code == 1
    issues = sheets(tmp_path / "dist" / "listings.xlsx")["Issues"]
    pending = [r for r in issues if r[3] == "pending"]
    assert [r[1] for r in pending] == ["P-001"] and {r[4] for r in pending} == {"error"}  # 雨伞 is in the glossary
    assert "title" in pending[0][2] and "description" in pending[0][2]
    assert not [r for r in issues if r[3] == "untranslated" and r[2] in pending[0][2].split(", ")]
    report = json.loads((tmp_path / "dist" / "report.json").read_text(encoding="utf-8"))
    assert [f for f in report["findings"] if f["check"] == "untranslated"]  # the report still has each one


def test_build_scripts_of_a_shard_are_the_shards_products(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", rows(12))
    result = run_cli("build", "c.xlsx", "-m", "amazon-us", "--shard", "2/3", "--scripts", "en-US", *FX)
    assert result.exit_code in (0, 1), result.output
    listed = {item["sku"] for item in json.loads((tmp_path / "dist" / "amazon-us.json").read_text())["listings"]}
    scripted = {p.stem for p in (tmp_path / "dist" / "scripts" / "en-US").glob("*.md")}
    assert listed and scripted == listed


def test_build_scripts_read_the_catalog_once(tmp_path, run_cli, monkeypatch):
    import xborder.catalog.reader as reader

    write_xlsx(tmp_path / "c.xlsx", rows(3))
    reads = []
    real = reader.read_grids
    monkeypatch.setattr(reader, "read_grids", lambda *args, **kwargs: reads.append(args[0]) or real(*args, **kwargs))
    result = run_cli("build", "c.xlsx", "-m", "amazon-us", "--scripts", "en-US", *FX)
    assert result.exit_code in (0, 1), result.output
    assert len(reads) == 1 and len(list((tmp_path / "dist" / "scripts" / "en-US").glob("*.md"))) == 3
