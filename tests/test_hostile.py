"""Hostile and broken input, made by the tests (the repository holds no live payloads): each gets one line
and its exit code, never a traceback, a live formula, a file outside --out, or a half-updated output folder."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import one_line_error, write_csv, write_xlsx

FX = ("--fx-date", "2025-06-02")
HEADER = ["款号", "品名", "出厂价", "毛重(kg)"]
FORMULA = "=HYPERLINK(\"http://example.invalid\",\"x\")"


@pytest.fixture(autouse=True)
def _own_memory(monkeypatch):
    monkeypatch.delenv("XBORDER_MEMORY", raising=False)


def cells(path: Path):
    workbook = load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


def test_no_sheet_of_the_review_workbook_holds_a_live_formula(tmp_path, run_cli):
    write_csv(tmp_path / "c.csv", [HEADER, [FORMULA, "遇水变色雨伞", 25, 0.4], ["@SUM(1)", "-cmd|x", "9", 0.3]])
    result = run_cli("build", "c.csv", *FX)
    assert result.exit_code in (0, 1), result.output
    found = list(cells(tmp_path / "dist" / "listings.xlsx"))
    assert not [c.coordinate for c in found if c.data_type == "f"]
    issues = [c.value for c in load_workbook(tmp_path / "dist" / "listings.xlsx")["Issues"]["B"]]
    assert "'" + FORMULA in issues  # the pending row of the Issues sheet, the common case


@pytest.mark.parametrize("key", ["../../escape", "/tmp/absolute", "Upper Case", "a/b"])
def test_a_market_key_that_is_a_path_is_refused(tmp_path, run_cli, key):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    (tmp_path / "xborder.toml").write_text(f'[project]\nmarkets = ["{key}"]\n[markets."{key}"]\nbase = "amazon-us"\n',
                                           encoding="utf-8")
    one_line_error(run_cli("build", "c.xlsx", *FX), "a market key is lower-case letters")
    assert not (tmp_path.parent / "escape.json").exists() and not Path("/tmp/absolute.json").exists()


def test_odd_catalog_names_stay_inside_out(tmp_path, run_cli):
    folder = tmp_path / "in"
    folder.mkdir()
    write_xlsx(folder / "...xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    write_xlsx(folder / "good.xlsx", [HEADER, ["B-1", "雨伞", 25, 0.4]])
    result = run_cli("build", "in/...xlsx", "in/good.xlsx", "--out", "out", *FX)
    assert result.exit_code in (0, 1), result.output
    written = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*.json")}
    assert written == {"out"}
    assert {p.name for p in (tmp_path / "out").iterdir() if p.is_dir()} == {"catalog", "good"}


def test_a_catalog_inside_the_output_folder_is_not_overwritten(tmp_path, run_cli):
    (tmp_path / "dist").mkdir()
    catalog = write_csv(tmp_path / "dist" / "woocommerce.csv", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    before = catalog.read_bytes()
    one_line_error(run_cli("build", "dist/woocommerce.csv", *FX), "inside the output folder")
    assert catalog.read_bytes() == before


def test_a_folder_xborder_did_not_write_is_not_replaced(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    one_line_error(run_cli("build", "c.xlsx", "--out", "mine", *FX), "did not write")
    assert (tmp_path / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep me"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    one_line_error(run_cli("build", "c.xlsx", "--out", "file", *FX), "must be a folder")


def test_a_failed_rebuild_leaves_the_previous_complete_build(tmp_path, run_cli, monkeypatch):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    assert run_cli("build", "--include-held", "c.xlsx", *FX).exit_code in (0, 1)
    before = {p.name: p.read_bytes() for p in (tmp_path / "dist").iterdir()}
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["A-1", "雨伞", 99, 0.4]])  # new prices
    import xborder.exports.upload as export_upload
    import xborder.exports.writer as exports

    def broken(*args, **kwargs):
        raise KeyboardInterrupt  # killed half-way through writing the files

    monkeypatch.setattr(exports, "woo_rows", broken)
    monkeypatch.setattr(export_upload, "upload_rows", broken)
    result = run_cli("build", "--include-held", "c.xlsx", *FX)
    assert result.exit_code == 130
    assert {p.name: p.read_bytes() for p in (tmp_path / "dist").iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name or ".old-" in p.name]


def test_control_characters_are_removed_reported_and_never_abort(tmp_path, run_cli):
    write_csv(tmp_path / "c.csv", [HEADER, ["A-1", "雨伞\x0b折叠\x01", 25, 0.4], ["A-2", "测电笔\x1f\uffff", 5, 0.1]])
    result = run_cli("build", "c.csv", *FX)
    assert result.exit_code in (0, 1), result.output
    assert "internal error" not in result.output
    inspected = json.loads(run_cli("inspect", "c.csv", "--json").stdout)
    assert [p["row"] for p in inspected["problems"] if p["code"] == "control-characters"] == [2, 3]
    assert inspected["products"][0]["name"] == "雨伞折叠"
    (tmp_path / "bad.csv").write_text("type,zh,en\nterm,雨伞\x0b,umbrella\n", encoding="utf-8")
    one_line_error(run_cli("glossary", "import", "bad.csv"), "control characters")


@pytest.mark.parametrize("cost, message", [("1E+400", "not a price"), ("1234567890123456789012345678", "too large"),
                                           ("0.0000000001", "more than 6 decimals")])
def test_absurd_costs_are_row_errors(tmp_path, run_cli, cost, message):
    write_csv(tmp_path / "c.csv", [HEADER, ["A-1", "雨伞", cost, 0.4], ["A-2", "测电笔", "5", 0.1]])
    result = run_cli("build", "c.csv", *FX)
    assert result.exit_code == 2 and "internal error" not in result.output
    report = json.loads((tmp_path / "dist" / "report.json").read_text(encoding="utf-8"))
    assert report["totals"]["listings"] == 1  # the good row is built
    assert message in json.dumps(report["catalogs"][0]["problems"])


@pytest.mark.parametrize("setting", ['margin = "NaN"', 'margin = "Infinity"', 'freight_per_kg = "1e400"'])
def test_absurd_settings_are_one_line(tmp_path, run_cli, setting):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    (tmp_path / "xborder.toml").write_text(f"[pricing]\n{setting}\n", encoding="utf-8")
    one_line_error(run_cli("build", "c.xlsx", *FX), "not a usable number")


def test_an_absurd_exchange_rate_is_one_line(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    (tmp_path / "rates.csv").write_text("base,quote,rate,date\nUSD,VND,1e-40,2025-06-01\n", encoding="utf-8")
    one_line_error(run_cli("build", "c.xlsx", "--rates", "rates.csv", *FX), "out of range")


def test_shopify_handles_never_collide(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["ab-01", "雨伞", 25, 0.4], ["AB_01", "雨伞", 5, 0.1],
                                     ["甲款", "马面裙", 90, 0.5], ["乙款", "汉服", 90, 0.5]])
    (tmp_path / "xborder.toml").write_text('[project]\nmarkets = ["shopify"]\n', encoding="utf-8")
    assert run_cli("build", "c.xlsx", *FX).exit_code in (0, 1)
    handles = [item["handle"] for item in json.loads((tmp_path / "dist" / "shopify.json").read_text())["listings"]]
    assert len(set(handles)) == 4 and "product" not in handles
    assert handles[:2] == ["ab-01", "ab-01-2"]


def test_a_damaged_memory_and_a_mistyped_memory_folder_are_one_line(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    one_line_error(run_cli("build", "c.xlsx", "--memory", "nowhere/m.sqlite", *FX), "does not exist")
    assert not (tmp_path / "nowhere").exists()
    damaged = tmp_path / "m.sqlite"
    with sqlite3.connect(damaged) as db:
        db.execute("CREATE TABLE approved (x)")
    data = bytearray(damaged.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    damaged.write_bytes(bytes(data))
    result = run_cli("build", "c.xlsx", "--memory", "m.sqlite", *FX)
    assert result.exit_code == 2 and "internal error" not in result.output
    assert "translation memory" in result.stderr


def test_glossary_csv_exports_hold_no_live_formula(tmp_path, run_cli):
    (tmp_path / "g.csv").write_text(f'type,zh,en\nterm,雨伞,"{FORMULA.replace(chr(34), chr(34) * 2)}"\n',
                                    encoding="utf-8")
    assert run_cli("glossary", "import", "g.csv").exit_code == 0
    assert run_cli("glossary", "export", "--output", "out.csv", "--project-only").exit_code == 0
    text = (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_control_characters_in_a_workbook_never_reach_the_review_workbook(tmp_path, run_cli):
    import zipfile

    plain = write_xlsx(tmp_path / "plain.xlsx", [HEADER, ["A-1", "雨伞MARK", 25, 0.4], ["A-2", "测电笔", 5, 0.1]])
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(tmp_path / "c.xlsx", "w") as target:
        for item in source.infolist():  # openpyxl refuses to write them, so patch the XML as a hostile tool would
            target.writestr(item, source.read(item.filename).replace(b"MARK", b"&#11;\x01\x1f"))
    result = run_cli("build", "c.xlsx", *FX)
    assert result.exit_code in (0, 1) and "internal error" not in result.output
    assert all("\x0b" not in str(c.value) for c in cells(tmp_path / "dist" / "listings.xlsx"))
    assert json.loads((tmp_path / "dist" / "report.json").read_text())["totals"]["listings"] == 2


def _far_cell(path: Path, ref: str) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["A-1", "雨伞", 25, 0.4])
    sheet[ref] = "x"
    workbook.save(path)
    return path


@pytest.mark.parametrize("ref", ["XFD1048576", "XFD3000", "Z900000"])
def test_a_workbook_with_one_far_cell_is_refused_before_it_is_loaded(tmp_path, run_cli, ref):
    _far_cell(tmp_path / "far.xlsx", ref)
    assert (tmp_path / "far.xlsx").stat().st_size < 10_000
    one_line_error(run_cli("inspect", "far.xlsx"), "cells per sheet")


def test_a_folder_build_keeps_the_good_catalogs_beside_a_far_cell_one(tmp_path, run_cli):
    (tmp_path / "in").mkdir()
    _far_cell(tmp_path / "in" / "far.xlsx", "XFD1048576")
    write_xlsx(tmp_path / "in" / "good.xlsx", [HEADER, ["B-1", "雨伞", 25, 0.4]])
    result = run_cli("build", "in", *FX)
    assert result.exit_code == 2 and "cells per sheet" in result.output
    assert (tmp_path / "dist" / "good" / "listings.xlsx").exists()


def test_a_review_workbook_with_a_far_cell_is_refused_by_tm_import(tmp_path, run_cli):
    _far_cell(tmp_path / "listings.xlsx", "XFD1048576")
    result = run_cli("tm", "import", "listings.xlsx")
    assert result.exit_code == 2 and "cells per sheet" in result.stderr


def test_smaller_input_problems_are_each_one_clear_message(tmp_path, run_cli):
    import datetime as dt

    write_xlsx(tmp_path / "dated.xlsx", [HEADER, ["A-1", "雨伞", dt.datetime(2026, 5, 1), 0.4], ["A-2", "杯", 5, 0.1]])
    problems = json.loads(run_cli("inspect", "dated.xlsx", "--json").stdout)["problems"]
    assert "is a date, not a price" in problems[0]["message"]

    (tmp_path / "open-quote.csv").write_text('款号,品名,出厂价,卖点\nA-1,雨伞,25,"防晒\nA-2,测电笔,5,好用\n'
                                             'A-3,杯子,8,ok\n', encoding="utf-8")
    one_line_error(run_cli("inspect", "open-quote.csv"), "row 2", "quote")

    write_csv(tmp_path / "long.csv", [HEADER + ["卖点"], ["A-1", "雨伞", 25, 0.4, "长" * 140_000],
                                      ["A-2", "杯", 5, 0.1, "好"]])
    inspected = json.loads(run_cli("inspect", "long.csv", "--json").stdout)
    assert [p["sku"] for p in inspected["products"]] == ["A-2"]  # the long cell is its row's error only

    encrypted = tmp_path / "locked.xlsx"
    encrypted.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512 + "EncryptedPackage".encode("utf-16-le"))
    one_line_error(run_cli("inspect", "locked.xlsx"), "password-protected")


def test_the_market_json_is_the_same_whichever_folder_the_build_ran_from(tmp_path, run_cli, monkeypatch):
    (tmp_path / "a").mkdir()
    write_xlsx(tmp_path / "a" / "c.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    assert run_cli("build", "a/c.xlsx", "--out", "one", *FX).exit_code in (0, 1)
    monkeypatch.chdir(tmp_path / "a")
    assert run_cli("build", "c.xlsx", "--out", "../two", *FX).exit_code in (0, 1)
    assert (tmp_path / "one" / "amazon-us.json").read_bytes() == (tmp_path / "two" / "amazon-us.json").read_bytes()


def test_the_limits_are_configurable_and_named_in_the_refusal(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [HEADER] + [[f"A-{n}", "雨伞", 25, 0.4] for n in range(30)])
    (tmp_path / "xborder.toml").write_text("[limits]\ncells = 50\n", encoding="utf-8")
    one_line_error(run_cli("inspect", "c.xlsx"), "cells per sheet", "[limits]")
    (tmp_path / "xborder.toml").write_text("[limits]\ncells = 1000\ncolums = 3\n", encoding="utf-8")
    one_line_error(run_cli("inspect", "c.xlsx"), "[limits] has no setting 'colums'")
    (tmp_path / "xborder.toml").write_text("[limits]\ncells = 1000\n", encoding="utf-8")
    assert run_cli("inspect", "c.xlsx").exit_code == 0


def _rewrite_sheet(path: Path, change) -> Path:
    """The workbook at `path` with its first worksheet's XML passed through change(xml) -> xml."""
    import zipfile

    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in items:
            target.writestr(info.filename, change(data) if info.filename == "xl/worksheets/sheet1.xml" else data)
    return path


def test_a_far_cell_in_lower_case_is_refused_before_it_is_loaded(tmp_path, run_cli):
    path = _rewrite_sheet(_far_cell(tmp_path / "far.xlsx", "XFD1048576"),
                          lambda xml: xml.replace(b'r="XFD1048576"', b'r="xfd1048576"'))
    one_line_error(run_cli("inspect", path), "cells per sheet")


def test_a_far_row_of_cells_without_references_is_refused_before_it_is_loaded(tmp_path, run_cli):
    cells = b"".join(b'<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(900))
    path = _rewrite_sheet(_far_cell(tmp_path / "far.xlsx", "B3"), lambda xml: xml.replace(
        b"</sheetData>", b'<row r="1048000">' + cells + b"</row></sheetData>"))
    assert path.stat().st_size < 20_000
    one_line_error(run_cli("inspect", path), "cells per sheet")


@pytest.mark.parametrize("rows", [[HEADER], [HEADER, ["合计", "", "", ""]], [HEADER, [None, None, None, None]]])
def test_a_catalog_with_a_header_and_no_products_is_bad_input(tmp_path, run_cli, rows):
    write_xlsx(tmp_path / "empty.xlsx", rows)
    for command in (("inspect", "empty.xlsx"), ("price", "empty.xlsx"), ("build", "empty.xlsx")):
        result = run_cli(*command)
        assert result.exit_code == 2 and "no product rows" in result.output, (command, result.output)


def test_the_run_of_show_holds_hostile_names_as_text(tmp_path, run_cli):
    import zipfile

    payloads = ["{=cmd|' /C calc'!A0}", "external:C:\\Windows\\System32\\calc.exe", "http://example.invalid/x",
                "=HYPERLINK(\"http://x\")", "+1 买一送一"]
    # a CSV keeps the text as typed; a workbook would have turned '=…' into a formula already
    write_csv(tmp_path / "c.csv", [HEADER] + [[f"H-{n}", name, 25, 0.4] for n, name in enumerate(payloads)])
    result = run_cli("script", "c.csv", "--lang", "en-US", "--session", "10m", "--out", "out", *FX)
    assert result.exit_code in (0, 1), result.output
    book = next((tmp_path / "out").rglob("run-of-show.xlsx"))
    with zipfile.ZipFile(book) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
        names = archive.namelist()
    assert sheet.count("<f") == 1  # the total's SUM, nothing from the data
    assert not [n for n in names if "hyperlink" in n.lower() or n.endswith(".rels") and "sheet1" in n]
    from openpyxl import load_workbook
    values = [c.value for row in load_workbook(book).active.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'{=cmd|' /C calc'!A0}" in values and "'=HYPERLINK(\"http://x\")" in values
