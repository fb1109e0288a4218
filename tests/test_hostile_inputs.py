"""Issue 21, items 11–13 (input rows, console lines, market limits, listing text): each hostile file is built here."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from conftest import csv_text, write_xlsx

from xborder.catalog import EmptyCatalog, read_catalog
from xborder.catalog.options import ReadLimits
from xborder.catalog.sources import read_text_grid

HEADER = ["货号", "品名", "出厂价"]
GOOD = [[f"A-{n}", f"不锈钢保温杯{n}号", 10 + n] for n in range(1, 5)]


def _utf8_csv_with(path: Path, bad_line: bytes) -> Path:
    """A UTF-8 catalog whose third product row was pasted in another encoding."""
    head = csv_text([HEADER] + GOOD[:2]).encode("utf-8")
    tail = csv_text(GOOD[2:]).encode("utf-8")
    path.write_bytes(head + bad_line + b"\r\n" + tail)
    return path


BAD_LINES = {
    "gbk": "B-9,保温杯旧款,12".encode("gbk"),
    "latin1": "B-9,café cup,12".encode("latin-1"),
    "0xff": b"B-9,\xff\xfe cup,12",
}


# --- 11a: an encoding slip or a giant cell is a problem of its row, not of the file ----------------------------------

@pytest.mark.parametrize("kind", list(BAD_LINES))
def test_one_row_in_another_encoding_is_left_out_by_row(tmp_path, kind):
    path = _utf8_csv_with(tmp_path / "catalog.csv", BAD_LINES[kind])
    catalog = read_catalog(path)
    assert [p.sku for p in catalog.products] == ["A-1", "A-2", "A-3", "A-4"]
    [problem] = catalog.errors
    assert (problem.code, problem.row, problem.column) == ("bad-encoding", 4, "品名 (B)")
    assert "CSV UTF-8" in problem.message


def test_a_csv_wholly_in_another_encoding_is_still_refused_whole(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(csv_text([["Artikel", "Name", "Preis"], ["1", "Tasse groß", "2"]]).encode("latin-1"))
    with pytest.raises(Exception, match="neither UTF-8 nor GBK"):
        read_catalog(path)


@pytest.mark.parametrize("multiline", [False, True])
def test_a_giant_cell_leaves_out_its_row_only(tmp_path, multiline):
    """A 50 MB cell (on one line, or quoted over several) is over [limits] cell_chars: its row is bad, the rows
    after it are read, and the csv reader never holds more than the cap for it."""
    giant = ("x" * (25 * 2**20) + "\n") * 2 if multiline else "x" * (50 * 2**20)
    path = tmp_path / "catalog.csv"
    path.write_text(csv_text([HEADER] + GOOD[:2] + [["B-9", giant, 12]] + GOOD[2:]), encoding="utf-8")
    catalog = read_catalog(path)
    assert [p.sku for p in catalog.products] == ["A-1", "A-2", "A-3", "A-4"]
    [problem] = catalog.errors
    assert (problem.code, problem.row) == ("cell-too-long", 4)
    assert "cell_chars in [limits]" in problem.message


def test_cell_cap_is_a_setting(tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text(csv_text([HEADER, ["A-1", "杯" * 50, 9], ["A-2", "碗", 8]]), encoding="utf-8")
    grid = read_text_grid(path, ReadLimits(cell_chars=20))
    assert list(grid.faults) == [2] and grid.rows[2] == ["A-2", "碗", "8"]


def test_cell_chars_is_read_from_limits(tmp_path, run_cli):
    (tmp_path / "xborder.toml").write_text("[limits]\ncell_chars = 10\n", encoding="utf-8")
    path = tmp_path / "catalog.csv"
    path.write_text(csv_text([HEADER, ["A-1", "杯" * 50, 9], ["A-2", "碗", 8]]), encoding="utf-8")
    result = run_cli("inspect", path, "--json")
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["problems"]
    assert [(p["code"], p["row"]) for p in problems] == [("cell-too-long", 2)]


# --- 11b: a catalog that yields no product is an error -----------------------------------------------------------------

def _merged_to_the_end(path: Path) -> Path:
    """A workbook whose products sit under a merge A2:XFD1048576 (built by editing the sheet's XML: openpyxl would
    make every cell of the range)."""
    plain = write_xlsx(path.with_name("plain.xlsx"), [HEADER] + GOOD)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b'</sheetData><mergeCells count="1">'
                                                      b'<mergeCell ref="A2:XFD1048576"/></mergeCells>')
            target.writestr(info, data)
    return path


def test_a_merge_to_the_sheet_end_is_no_catalog(tmp_path, run_cli):
    path = _merged_to_the_end(tmp_path / "merged.xlsx")
    with pytest.raises(EmptyCatalog, match="section headings"):
        read_catalog(path)
    result = run_cli("build", path, "-q", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert "merged.xlsx, sheet 产品: no product rows under the header on row 1: rows 2–5" in result.stderr
    assert not (tmp_path / "out" / "amazon-us.json").exists()


def test_a_catalog_whose_every_row_is_bad_is_no_catalog(xlsx, run_cli, tmp_path):
    path = xlsx([HEADER] + [[f"A-{n}", "杯", "abc"] for n in range(1, 4)])
    with pytest.raises(EmptyCatalog) as caught:
        read_catalog(path)
    assert len(caught.value.problems) == 3
    result = run_cli("build", path, "-q", "-o", tmp_path / "out")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert "all 3 rows under the header (row 1) have errors (first: row 2, column 出厂价 (C): 'abc' is not a price" \
        in line


def test_header_only_csv_is_no_catalog(csv_file, run_cli):
    result = run_cli("price", csv_file([HEADER]))
    assert result.exit_code == 2
    assert "no product rows under it" in result.stderr


# --- 11c: every command names the file, row and column of each row it left out, on stderr, also with -q ----------------

def _two_bad_rows(tmp_path: Path) -> Path:
    rows = [HEADER, ["A-1", "保温杯", 12], ["A-2", "水壶", "abc"], ["A-3", "", 15], ["A-4", "饭盒", 9]]
    return write_xlsx(tmp_path / "bad rows.xlsx", rows)


EXPECTED = ["xborder: {file}, sheet 产品, row 3, column 出厂价 (C): 'abc' is not a price",
            "xborder: {file}, sheet 产品, row 4, column 品名 (B): the row has no product name"]


def _assert_row_lines(stderr: str, file: Path) -> None:
    lines = [line for line in stderr.splitlines() if ", row " in line]
    assert len(lines) == 2, stderr
    for line, expected in zip(lines, EXPECTED):
        assert line.startswith(expected.format(file=file)), line


@pytest.mark.parametrize("command", [["build", "-q"], ["build", "--json"], ["build"], ["price"], ["price", "--json"],
                                     ["script", "-l", "en-US"], ["inspect"], ["inspect", "--json"]])
def test_every_command_names_row_and_column_of_bad_rows(tmp_path, run_cli, command):
    path = _two_bad_rows(tmp_path)
    args = [command[0], path, *command[1:]]
    if command[0] in ("build", "script"):
        args += ["-o", tmp_path / "out"]
    result = run_cli(*args)
    assert result.exit_code == 2, result.output
    _assert_row_lines(result.stderr, path)
    if command[0] == "build":
        written = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
        assert written["totals"]["catalog_errors"] == 2


def test_many_bad_rows_are_counted_after_the_first(xlsx, run_cli, tmp_path):
    rows = [HEADER, ["A-0", "保温杯", 12]] + [[f"A-{n}", "杯", "abc"] for n in range(1, 60)]
    result = run_cli("build", xlsx(rows), "-q", "-o", tmp_path / "out")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 26 and "34 more row problems" in lines[-1] and "rows 28–61" in lines[-1]


def test_csv_rows_name_no_sheet(tmp_path, run_cli):
    path = _utf8_csv_with(tmp_path / "catalog.csv", BAD_LINES["0xff"])
    result = run_cli("build", path, "-q", "-o", tmp_path / "out")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"xborder: {path}, row 4, column 品名 (B): the text is not UTF-8")


def test_report_keeps_the_rows(tmp_path, run_cli):
    path = _utf8_csv_with(tmp_path / "catalog.csv", BAD_LINES["gbk"])
    run_cli("build", path, "-q", "-o", tmp_path / "out")
    listings = json.loads((tmp_path / "out" / "amazon-us.json").read_text(encoding="utf-8"))
    assert sorted(item["sku"] for item in listings["listings"]) == ["A-1", "A-2", "A-3", "A-4"]


# --- 11d: market limits from project files are checked when the project is loaded ------------------------------------

@pytest.mark.parametrize("setting, fragment", [
    ("[markets.amazon-us.limits]\ntitle_chars = -5", "limits.title_chars = -5 must be a whole number of 0 or more"),
    ("[markets.amazon-de.limits]\ntitle_chars = 3", "limits.title_chars = 3 is out of range"),
    ("[markets.amazon-de.limits]\nbullet_count = 1000", "limits.bullet_count = 1000 is out of range"),
    ("[markets.amazon-de.limits]\ntitle_chars = 50\ntitle_min_chars = 60", "title_min_chars = 60 is above"),
    ("[markets.amazon-de.limits]\nprice_min = \"-1\"", "limits.price_min = '-1' must be an amount of 0 or more"),
    ("[markets.amazon-de.rules]\nmax_word_repeats = 999", "rules.max_word_repeats = 999 is out of range"),
    ("[markets.amazon-de.limits]\ntitle_chars = \"80\"", "must be a whole number"),
])
def test_bad_market_limit_is_refused_at_load_naming_file_and_key(tmp_path, run_cli, setting, fragment):
    """Even for a market the project does not build (amazon-de here), and for a command that prices nothing."""
    toml = tmp_path / "xborder.toml"
    toml.write_text('[project]\nmarkets = ["amazon-us"]\n' + setting + "\n", encoding="utf-8")
    catalog = write_xlsx(tmp_path / "catalog.xlsx", [HEADER] + GOOD)
    for args in (["inspect", catalog], ["build", catalog, "-q", "-o", tmp_path / "out"]):
        result = run_cli(*args)
        assert result.exit_code == 2, result.output
        [line] = result.stderr.splitlines()
        assert line.startswith(f"xborder: {toml} [markets.") and fragment in line, line
    assert not (tmp_path / "out").exists()


def test_every_preset_is_within_the_ranges():
    from xborder.markets import get_markets, preset_keys

    assert len(get_markets(preset_keys())) == len(preset_keys())


# --- 13b: a stored workbook part whose CRC does not match is refused --------------------------------------------------

def _stored_with_bad_crc(path: Path, part: str) -> Path:
    """A workbook (XlsxWriter's: shared strings) stored without compression, one byte of a product's name (in
    xl/sharedStrings.xml) or cost (in the sheet) changed after the CRC was written."""
    import xlsxwriter

    stored = path.with_name("stored.xlsx")
    book = xlsxwriter.Workbook(str(path.with_name("plain.xlsx")))
    sheet = book.add_worksheet("产品")
    for number, row in enumerate([HEADER] + GOOD):
        sheet.write_row(number, 0, row)
    book.close()
    with zipfile.ZipFile(path.with_name("plain.xlsx")) as source, \
            zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info), zipfile.ZIP_STORED)
    raw = stored.read_bytes()
    old, new = ("保温杯1号".encode("utf-8"), "保温杯7号".encode("utf-8")) if part == "strings" else \
        (b"<v>11</v>", b"<v>19</v>")
    assert raw.count(old) == 1
    path.write_bytes(raw.replace(old, new))
    return path


@pytest.mark.parametrize("part", ["strings", "sheet"])
def test_a_stored_part_with_a_bad_crc_is_refused(tmp_path, run_cli, part):
    path = _stored_with_bad_crc(tmp_path / "crc.xlsx", part)
    with pytest.raises(Exception, match="fails its checksum"):
        read_catalog(path)
    result = run_cli("build", path, "-q", "-o", tmp_path / "out")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert "crc.xlsx: the workbook is damaged: a part of it fails its checksum" in line
    assert not (tmp_path / "out").exists()
    # the same workbook with its CRC intact is read
    assert len(read_catalog(tmp_path / "stored.xlsx").products) == 4


# --- 13c: Ctrl-C while the command line loads is one line and exit 130 -------------------------------------------------

_CTRL_C_WHILE_LOADING = """
import builtins, os, signal, sys
real_import = builtins.__import__
def ctrl_c_on(name, *args, **kwargs):
    if name == {module!r}:
        builtins.__import__ = real_import
        os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, in the middle of loading the library
    return real_import(name, *args, **kwargs)
builtins.__import__ = ctrl_c_on
sys.argv = ["xborder", "build", "catalog.xlsx", "-q"]
from xborder.cli import main
main()
"""


@pytest.mark.parametrize("module", ["xborder.cli.app", "openpyxl", "xborder.build", "rich.progress"])
def test_ctrl_c_while_loading_is_one_line_and_130(tmp_path, module):
    import subprocess
    import sys

    write_xlsx(tmp_path / "catalog.xlsx", [HEADER] + GOOD)
    done = subprocess.run([sys.executable, "-c", _CTRL_C_WHILE_LOADING.format(module=module)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (130, "xborder: interrupted\n")
    assert not (tmp_path / "dist").exists()


# --- 13a: invisible characters: a row error in a SKU, removed with a warning elsewhere ---------------------------------

RLO, ZWSP, LRI, PDI = "\u202e", "\u200b", "\u2066", "\u2069"


@pytest.mark.parametrize("sku, named", [(f"A-{RLO}9-B", "U+202E RIGHT-TO-LEFT OVERRIDE"),
                                        (f"A-9{ZWSP}", "U+200B ZERO WIDTH SPACE"),
                                        (f"{LRI}A-9{PDI}", "U+2066 LEFT-TO-RIGHT ISOLATE"),
                                        ("A-\x0b9", "U+000B")])
def test_invisible_characters_in_a_sku_are_a_row_error(tmp_path, run_cli, sku, named):
    path = tmp_path / "catalog.csv"  # a CSV: openpyxl refuses to write a NUL
    path.write_text(csv_text([HEADER] + GOOD[:2] + [[sku, "保温杯", 12]]), encoding="utf-8")
    catalog = read_catalog(path)
    assert [p.sku for p in catalog.products] == ["A-1", "A-2"]
    [problem] = catalog.errors
    assert (problem.code, problem.row, problem.column) == ("invisible-in-sku", 4, "货号 (A)")
    assert named in problem.message
    result = run_cli("build", path, "-q", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert f"row 4, column 货号 (A): the 货号 holds invisible characters ({named}" in result.stderr
    listings = json.loads((tmp_path / "out" / "amazon-us.json").read_text(encoding="utf-8"))["listings"]
    published = json.dumps(listings, ensure_ascii=False)
    assert sorted(item["sku"] for item in listings) == ["A-1", "A-2"] and RLO not in published


def test_invisible_characters_in_other_cells_are_removed_with_a_warning(tmp_path):
    path = write_xlsx(tmp_path / "catalog.xlsx", [HEADER + ["卖点"], ["A-1", f"保温{ZWSP}杯{RLO}", 12, f"{LRI}真空{PDI}"]])
    catalog = read_catalog(path)
    [product] = catalog.products
    assert (product.name, product.selling_points) == ("保温杯", ["真空"])
    [warning] = [p for p in catalog.problems if p.code == "control-characters"]
    assert (warning.severity, warning.row, warning.column) == ("warning", 2, "品名 (B)")
    assert "U+200B ZERO WIDTH SPACE" in warning.message and "U+2066 LEFT-TO-RIGHT ISOLATE" in warning.message


# --- 12a: markup and links in listing text, from the catalog or a model ----------------------------------------------

SCRIPT = "<script>alert(document.cookie)</script>"
IMG = '<img src=x onerror="alert(1)">'
US_PROJECT = """\
[project]
markets = ["amazon-us"]
brand = "Lumi"
{engine}
[pricing]
fx_max_age_days = "0"
fulfilment = "direct"
freight_per_unit = "2"
[model]
name = "test-model"
concurrency = 2
timeout = 5
retry_wait = 0.01
max_wait = 0.5
"""


def _flat_file(out: Path) -> str:
    return (out / "amazon-us-flatfile.txt").read_text(encoding="utf-8")


def _listings(out: Path, market: str = "amazon-us") -> dict[str, dict]:
    data = json.loads((out / f"{market}.json").read_text(encoding="utf-8"))
    return {item["sku"]: item for item in data["listings"]}


def _checks(item: dict) -> set[str]:
    """Every finding's check on a listing: its own and its fields'."""
    fields = [f for field in item["fields"].values() for f in field["findings"]]
    return {f["check"] for f in item["findings"] + fields}


def test_markup_from_the_catalog_never_reaches_the_flat_file(tmp_path, run_cli):
    (tmp_path / "xborder.toml").write_text(US_PROJECT.format(engine=""), encoding="utf-8")
    rows = [["货号", "品名", "出厂价", "卖点", "颜色"],
            ["A-1", f"Steel Flask {IMG} &lt;i&gt;new&lt;/i&gt;", 30, f"Keeps drinks hot for 12 hours {SCRIPT}\n"
             "Double <b>wall</b>", "black"],
            ["A-2", "Glass Cup", 9, "Visit https://evil.example/buy for a coupon", "clear"],
            ["A-3", "Tea Cup", 8, "Fine porcelain, hand painted", "white"]]
    write_xlsx(tmp_path / "catalog.xlsx", rows)
    result = run_cli("build", "catalog.xlsx", "--include-held", "-q", "-o", tmp_path / "out")
    assert result.exit_code == 1, result.output
    flat = _flat_file(tmp_path / "out")
    for markup in ("<script", "onerror", "<img", "&lt;", "<b>", "alert("):
        assert markup not in flat
    items = _listings(tmp_path / "out")
    assert "markup-removed" in _checks(items["A-1"]) and items["A-1"]["status"] == "ready"
    assert items["A-1"]["bullets"][:2] == ["Keeps drinks hot for 12 hours", "Double wall"]
    assert items["A-1"]["title"] == "Lumi Steel Flask new"
    # a web address holds the listing (Amazon allows none): a person rewords it, nothing is cut silently
    link = next(f for field in items["A-2"]["fields"].values() for f in field["findings"] if f["check"] == "link")
    assert link["severity"] == "error" and "https://evil.example/buy" in link["message"]
    assert items["A-2"]["status"] == "held" and items["A-3"]["status"] == "ready"
    assert run_cli("build", "catalog.xlsx", "-q", "-o", tmp_path / "ready").exit_code == 1
    assert "evil.example" not in _flat_file(tmp_path / "ready")


def _model_project(tmp_path: Path) -> Path:
    from test_model_engine import ROWS

    write_xlsx(tmp_path / "catalog.xlsx", ROWS)
    (tmp_path / "xborder.toml").write_text(US_PROJECT.format(engine='engine = "openai"'), encoding="utf-8")
    return tmp_path


def _replying(change, names: tuple[str, ...] = ("雨伞",)):
    """The fake model's careful reply, changed by `change(data)` for the products named, repair request or not."""
    from fake_openai import Reply, write_listing

    def reply(body: dict) -> Reply:
        data = json.loads(write_listing(body))
        if any(name in body["messages"][1]["content"] for name in names) and "title" in data:
            change(data)
        return Reply(json.dumps(data, ensure_ascii=False))
    return reply


def _inject_markup(data: dict) -> None:
    data["description"] += f"\n{SCRIPT} https://evil.example"
    data["bullets"][0] = f"{IMG} {data['bullets'][0]}"


def test_markup_in_a_model_reply_is_rejected_and_never_written(server, tmp_path, run_cli):
    project = _model_project(tmp_path)
    server.default = _replying(_inject_markup)
    result = run_cli("build", "catalog.xlsx", "--include-held", "-q")
    assert result.exit_code == 1, result.output
    items = _listings(project / "dist")
    umbrella = items["UM-88"]
    assert umbrella["status"] == "held"
    rejected = next(f for f in umbrella["findings"] if f["check"] == "model-rejected")
    assert "markup-removed" in rejected["message"] and "link" in rejected["message"]
    flat = _flat_file(project / "dist")
    for markup in ("<script", "onerror", "<img", "alert("):
        assert markup not in flat
    assert all(items[sku]["status"] == "ready" for sku in items if sku != "UM-88")


# --- 12b: a reply in another language than the market's is rejected -------------------------------------------------

GERMAN = ("Der Regenschirm ist leicht und stabil. Die Farbe ändert sich, wenn er nass wird, und das macht ihn zu einem "
          "schönen Geschenk für Kinder und Erwachsene. Er passt in jede Tasche und ist mit einem Griff aus Holz "
          "ausgestattet.")


def _in_german(data: dict) -> None:
    data["description"] = GERMAN
    data["bullets"] = [f"{bullet} – mit Liebe für die Familie gemacht" for bullet in data["bullets"]]


def test_a_reply_in_german_for_amazon_us_is_rejected(server, tmp_path, run_cli):
    project = _model_project(tmp_path)
    server.default = _replying(_in_german)
    result = run_cli("build", "catalog.xlsx", "-q")
    assert result.exit_code == 1, result.output
    items = _listings(project / "dist")
    rejected = next(f for f in items["UM-88"]["findings"] if f["check"] == "model-rejected")
    assert "wrong-language" in rejected["message"]
    repair = server.requests[-1]["messages"][-1]["content"]
    assert "written in German, not in English: write it in English (en-US)" in repair
    assert "GF-500" in items and all(items[sku]["status"] == "ready" for sku in items if sku != "UM-88")
    assert "schönen Geschenk" not in _flat_file(project / "dist")


def test_the_offline_example_build_has_no_language_or_markup_findings(tmp_path, run_cli):
    from conftest import ROOT

    for name in ("catalog.xlsx", "xborder.toml", "translations.tmx"):
        (tmp_path / name).write_bytes((ROOT / "examples" / name).read_bytes())
    result = run_cli("build", "catalog.xlsx", "-q", "-o", tmp_path / "out")
    assert result.exit_code in (0, 1), result.output
    markets = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["totals"]["status"]
    assert len(markets) == 5
    for market in markets:
        for item in _listings(tmp_path / "out", market).values():
            assert not _checks(item) & {"wrong-language", "markup-removed", "link", "invisible-characters"}, item


@pytest.mark.parametrize("text", [
    "Lumi Der Die Das",  # short: says nothing
    "Lumi Kaffeebecher 350 ml, Keramik, spülmaschinenfest, Farbe Schwarz, mit Deckel und Henkel",  # terse
    "Die-cast aluminium frame with a non-stick coating; the lid and the handle are made of bamboo for a warm feel",
    "Stainless steel flask by Der Sonne: keeps drinks hot for 12 hours and cold for 24 hours, fits your bag",
])
def test_the_language_check_is_silent_on_english_short_text_and_brand_names(text):
    from xborder.listing import qa
    from xborder.markets import get_markets

    [us] = get_markets(["amazon-us"])
    assert qa.check_language("listing", text, us) == []
