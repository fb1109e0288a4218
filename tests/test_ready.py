"""Only listings that are ready reach a marketplace file: ready, held and pending, upload files, handles."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import DIRECT_PRICING, write_xlsx
from xborder.language.memory import TranslationMemory

PROJECT = """
[project]
markets = ["amazon-us", "shopify", "tiktok-us"]
brand = "Acme"
""" + DIRECT_PRICING
HEADER = ["款号", "品名", "颜色", "出厂价", "毛重(kg)", "卖点"]
ROWS = [
    ["UM-1", "晴雨伞", "红色/蓝色", 20, 0.4, ""],  # ready
    ["CP-1", "保温杯", "红色", 30, 0.4, "杀菌率99%"],  # a claim, translated: held
    ["XK-1", "星空杯", "红色", 30, 0.4, ""],  # nobody translated 星空杯: pending
    ["NW-1", "晴雨伞", "蓝色", 20, None, ""],  # no weight: the price is unconfirmed, held
    ["HF-1", "晴雨伞", "红色/星空色", 25, 0.5, ""],  # one variant's colour untranslated: the product waits
]


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    (tmp_path / "xborder.toml").write_text(PROJECT, encoding="utf-8")
    with TranslationMemory(tmp_path / "memory.sqlite") as memory:
        for source, target in (("晴雨伞", "Sun and Rain Umbrella"), ("保温杯", "Insulated Cup"),
                               ("杀菌率99%", "Kills 99% of bacteria")):
            memory.approve(source, target, "zh", "en")
    return write_xlsx(tmp_path / "c.xlsx", [HEADER, *ROWS])


def _build(run_cli, catalog: Path, *extra: str) -> dict:
    result = run_cli("build", catalog, "--memory", catalog.parent / "memory.sqlite", *extra)
    assert result.exit_code == 1, result.output  # the held listings have errors
    out = catalog.parent / "dist"
    return {"out": out, "output": result.output,
            "json": {m: {x["sku"]: x for x in json.loads((out / f"{m}.json").read_text(encoding="utf-8"))["listings"]}
                     for m in ("amazon-us", "shopify", "tiktok-us")}}


def _flat_skus(out: Path) -> set[str]:
    with (out / "amazon-us-flatfile.txt").open(encoding="utf-8", newline="") as handle:
        return {row["item_sku"] for row in csv.DictReader(handle, delimiter="\t")}


def _shopify_skus(out: Path) -> set[str]:
    with (out / "shopify.csv").open(encoding="utf-8", newline="") as handle:
        return {row["SKU"] for row in csv.DictReader(handle) if row["SKU"]}


def _tiktok_skus(out: Path) -> set[str]:
    rows = [[c.value for c in row] for row in load_workbook(out / "tiktok-us-upload.xlsx").active.iter_rows()]
    header = next(r for r in rows if any(isinstance(c, str) and "SKU" in c for c in r))
    column = next(i for i, h in enumerate(header) if isinstance(h, str) and "Seller SKU" in h)
    return {str(r[column]) for r in rows[rows.index(header) + 1:] if r[column]}


def test_upload_files_hold_exactly_the_ready_products(run_cli, catalog):
    built = _build(run_cli, catalog)
    statuses = {sku: (x["status"], x["hold_reasons"]) for sku, x in built["json"]["amazon-us"].items()}
    assert statuses == {
        "UM-1": ("ready", []),
        "CP-1": ("held", ["claim"]),
        "XK-1": ("pending", ["text pending"]),
        "NW-1": ("held", ["price unconfirmed"]),
        "HF-1": ("pending", ["text pending"]),
    }
    out = built["out"]
    assert _flat_skus(out) == {"UM-1", "UM-1-RED", "UM-1-BLUE"}
    assert {s.split("-")[0] + "-" + s.split("-")[1] for s in _shopify_skus(out)} == {"UM-1"}
    assert {s for s in _tiktok_skus(out)} == {"UM-1-RED", "UM-1-BLUE"}
    # the review workbook carries every listing with its status and reasons
    sheet = load_workbook(out / "listings.xlsx")["Amazon US"] if "Amazon US" in load_workbook(
        out / "listings.xlsx").sheetnames else load_workbook(out / "listings.xlsx").worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    status = {r[0]: r[header.index("Status")] for r in rows[1:] if r[0]}
    assert status["UM-1"] == "ready" and status["NW-1"] == "held: price unconfirmed"
    assert status["CP-1"] == "held: claim" and status["XK-1"].startswith("pending")
    issues = [[c.value for c in row] for row in load_workbook(out / "listings.xlsx")["Issues"].iter_rows()]
    assert ["amazon-us", "NW-1", "status", "held", "warning",
            "kept out of the upload files: price unconfirmed"] in issues
    # the summary and the report count them per market, with the top reasons
    assert "amazon-us: 1 ready, 2 held, 2 pending — 2 text pending, 1 claim, 1 price unconfirmed" in \
        " ".join(built["output"].split())
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["totals"]["status"]["amazon-us"] == {
        "ready": 1, "held": 2, "pending": 2, "reasons": {"text pending": 2, "claim": 1, "price unconfirmed": 1}}
    assert report["totals"]["ready_listings"] == 3


def test_include_held_writes_every_listing_and_says_so(run_cli, catalog):
    built = _build(run_cli, catalog, "--include-held")
    out = built["out"]
    assert {s.split("-")[0] + "-" + s.split("-")[1] for s in _flat_skus(out)} == {r[0] for r in ROWS}
    assert {s.split("-")[0] + "-" + s.split("-")[1] for s in _shopify_skus(out)} == {r[0] for r in ROWS}
    assert "--include-held" in built["output"]
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["totals"]["held_in_upload_files"] is True


def test_a_handle_comes_only_from_a_ready_title_and_never_moves_after(run_cli, catalog, tmp_path):
    first = _build(run_cli, catalog)["json"]["shopify"]
    assert first["UM-1"]["handle"] == "acme-sun-and-rain-umbrella-um-1"
    assert first["NW-1"]["handle"] == "nw-1"  # held: a neutral handle, not kept
    assert first["CP-1"]["handle"] == "cp-1"  # its title makes a claim
    # the factory gives the missing weight: NW-1 is ready, and gets its handle from its title for good
    write_xlsx(catalog, [HEADER, *[r if r[0] != "NW-1" else [*r[:4], 0.4, ""] for r in ROWS]])
    second = _build(run_cli, catalog)["json"]["shopify"]
    assert second["NW-1"]["status"] == "ready"
    assert second["NW-1"]["handle"] == "acme-sun-and-rain-umbrella-nw-1"
    assert second["UM-1"]["handle"] == first["UM-1"]["handle"]


def test_a_held_listing_published_with_include_held_keeps_its_neutral_handle(run_cli, catalog):
    first = _build(run_cli, catalog, "--include-held")["json"]["shopify"]
    assert first["NW-1"]["handle"] == "nw-1"
    write_xlsx(catalog, [HEADER, *[r if r[0] != "NW-1" else [*r[:4], 0.4, ""] for r in ROWS]])
    second = _build(run_cli, catalog)["json"]["shopify"]
    assert second["NW-1"]["status"] == "ready" and second["NW-1"]["handle"] == "nw-1"  # it is live: never moved


def test_a_kept_handle_that_makes_a_claim_is_made_anew(run_cli, catalog, tmp_path):
    with TranslationMemory(tmp_path / "memory.sqlite") as memory:  # what an earlier version kept
        memory.keep_identifiers([("handle", "shopify", "UM-1", "antibacterial-sterilizing-umbrella-um-1")])
    listing = _build(run_cli, catalog)["json"]["shopify"]["UM-1"]
    assert listing["handle"] == "acme-sun-and-rain-umbrella-um-1"
    assert [f["check"] for f in listing["findings"] if f["check"] == "handle-changed"] == ["handle-changed"]
