"""`xborder inspect` through click's CliRunner: mapping, JSON, exit codes, one-line errors."""

from __future__ import annotations

import codecs
import json
from decimal import Decimal

import pytest

from conftest import BAD_FILES, BAD_IDS, CHINESE_ROWS, EXAMPLE_CATALOG, one_line_error, write_csv, write_xlsx

EXAMPLE_FIELDS = {"sku", "name", "spec", "material", "colors", "sizes", "cost", "moq", "package_size",
                  "gross_weight", "selling_points"}


def inspect_json(run_cli, *args) -> tuple[int, dict]:
    result = run_cli("inspect", *args, "--json")
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def assert_one_line_error(result, *fragments: str) -> str:
    line = one_line_error(result, *fragments)
    assert result.stdout == ""
    return line


# --- the example catalog -------------------------------------------------------------------

def test_inspect_example_maps_every_field_present(run_cli):
    result = run_cli("inspect", EXAMPLE_CATALOG)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    out = result.stdout
    assert "产品报价单" in out and "header on row 4" in out
    for field in EXAMPLE_FIELDS:
        assert field in out
    for text in ("GF-500", "腐熟羊粪有机肥", "6.5 CNY", "HF-M01", "红色/蓝色/黑色", "20×14×4 cm"):
        assert text in out


def test_inspect_example_json(run_cli):
    code, data = inspect_json(run_cli, EXAMPLE_CATALOG)
    assert code == 0
    assert {"mapping", "products", "problems"} <= set(data)
    assert set(data["mapping"]) == EXAMPLE_FIELDS
    assert data["mapping"]["cost"] == "出厂价(元) (H)"
    assert data["sheet"] == "产品报价单" and data["header_row"] == 4
    assert data["sheets"] == ["产品报价单", "说明"]
    assert [e for e in data["problems"] if e["severity"] == "error"] == []
    products = data["products"]
    assert len(products) == 13
    for product in products:
        assert {"sku", "name", "cost", "row"} <= set(product)
        assert set(product["cost"]) == {"amount", "currency"}
        assert Decimal(product["cost"]["amount"]) > 0
        assert isinstance(product["row"], int)
    first = products[0]
    assert (first["sku"], first["name"], first["row"]) == ("GF-500", "腐熟羊粪有机肥", 6)
    assert first["cost"] == {"amount": "6.5", "currency": "CNY"}
    assert first["category"] == "园艺肥料"
    assert first["selling_points"] == ["完全腐熟，无臭味", "疏松透气，改良土壤", "适用于多肉、花卉、蔬菜"]
    skirt = next(p for p in products if p["sku"] == "HF-M01")
    assert skirt["options"] == {"colour": ["红色", "蓝色", "黑色"], "size": ["S", "M", "L"]}
    assert skirt["variant_rows"] == [18]
    screwdrivers = next(p for p in products if p["sku"] == "ET-205")
    assert screwdrivers["moq"] == {"value": "20", "unit": "set"}
    assert screwdrivers["package_size"] == {"length": "25", "width": "12", "height": "3", "unit": "cm"}
    assert screwdrivers["gross_weight"] == {"value": "0.6", "unit": "kg"}
    codes = {(p["code"], p["row"]) for p in data["problems"]}
    assert {("section-row", 5), ("variant-row", 18), ("summary-row", 25), ("summary-row", 26)} <= codes


def test_inspect_other_sheet_of_example_has_no_header(run_cli):
    assert_one_line_error(run_cli("inspect", EXAMPLE_CATALOG, "--sheet", "说明"),
                          "catalog.xlsx", "sheet 说明", "no header row found")


# --- header variants and project aliases through the CLI -----------------------------------

def test_inspect_english_headers(run_cli, tmp_path):
    path = write_xlsx(tmp_path / "factory.xlsx", [
        ["Item No.", "Item name", "Description", "FOB Price (USD)", "N.W./G.W.", "MOQ", "Selling points"],
        ["MG-1", "Ceramic mug", "350 ml stoneware mug", 4.15, "0.3/0.4", "500pcs", "Microwave safe; Gift box"],
    ])
    code, data = inspect_json(run_cli, path)
    assert code == 0
    assert data["mapping"] == {"sku": "Item No. (A)", "name": "Item name (B)", "cost": "FOB Price (USD) (D)",
                               "weight_pair": "N.W./G.W. (E)", "moq": "MOQ (F)",
                               "selling_points": "Selling points (G)"}
    product = data["products"][0]
    assert product["cost"] == {"amount": "4.15", "currency": "USD"}
    assert product["net_weight"] == {"value": "0.3", "unit": "kg"}
    assert product["gross_weight"] == {"value": "0.4", "unit": "kg"}
    assert product["moq"] == {"value": "500", "unit": "pcs"}
    assert product["selling_points"] == ["Microwave safe", "Gift box"]


@pytest.mark.parametrize("where", ["cwd", "next-to-catalog", "--config"])
def test_project_alias_from_xborder_toml(run_cli, tmp_path, where):
    folder = tmp_path / "factory"
    folder.mkdir()
    path = write_xlsx(folder / "报价单.xlsx", [["货品编号", "品名", "批发单价"], ["HP-01", "马克杯", 25.8]])
    config = '[catalog]\ncurrency = "usd"\n[catalog.aliases]\nsku = ["货品编号"]\ncost = ["批发单价"]\n'
    args = []
    if where == "cwd":
        (tmp_path / "xborder.toml").write_text(config, encoding="utf-8")
    elif where == "next-to-catalog":
        (folder / "xborder.toml").write_text(config, encoding="utf-8")
    else:
        (tmp_path / "other.toml").write_text(config, encoding="utf-8")
        args = ["--config", tmp_path / "other.toml"]
    code, data = inspect_json(run_cli, path, *args)
    assert code == 0
    assert data["mapping"]["sku"] == "货品编号 (A)"
    assert data["products"][0]["sku"] == "HP-01"
    assert data["products"][0]["cost"] == {"amount": "25.8", "currency": "USD"}


def test_without_the_project_alias_the_cost_column_is_missing(run_cli, tmp_path):
    path = write_xlsx(tmp_path / "报价单.xlsx", [["货品编号", "品名", "颜色", "批发单价"], ["HP-01", "马克杯", "白", 25.8]])
    assert_one_line_error(run_cli("inspect", path), "报价单.xlsx", "no cost column", "[catalog.aliases]")


@pytest.mark.parametrize(("config", "says"), [
    ('[catalog.aliases]\ncolour_name = ["色彩"]\n', "'colour_name' is not a product field"),
    ('[catalog.aliases]\nsku = "货品编号"\n', "takes lists of headers"),
    ('[catalog]\nshet = "产品"\n', "has no setting 'shet'"),
    ("[catalog\n", "not valid TOML"),
])
def test_bad_xborder_toml_is_one_line(run_cli, tmp_path, config, says):
    (tmp_path / "xborder.toml").write_text(config, encoding="utf-8")
    path = write_xlsx(tmp_path / "c.xlsx", [["款号", "品名", "出厂价"], ["A-1", "杯", 9]])
    assert_one_line_error(run_cli("inspect", path), says)


def test_missing_config_file_is_one_line(run_cli, tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", [["款号", "品名", "出厂价"], ["A-1", "杯", 9]])
    assert_one_line_error(run_cli("inspect", path, "--config", tmp_path / "nope.toml"), "nope.toml")


# --- sheets and encodings through the CLI --------------------------------------------------

def test_sheet_option(run_cli, tmp_path):
    path = write_xlsx(tmp_path / "two.xlsx", {
        "新品": [["款号", "品名", "出厂价", "颜色"], ["N-1", "新杯", 30, "红"]],
        "旧款": [["款号", "品名", "出厂价"], ["O-1", "旧杯", 9]],
    })
    code, data = inspect_json(run_cli, path)
    assert (code, data["sheet"], [p["sku"] for p in data["products"]]) == (0, "新品", ["N-1"])
    code, data = inspect_json(run_cli, path, "--sheet", "旧款")
    assert (code, data["sheet"], [p["sku"] for p in data["products"]]) == (0, "旧款", ["O-1"])
    assert_one_line_error(run_cli("inspect", path, "--sheet", "促销"), "two.xlsx", "'促销'", "新品, 旧款")


@pytest.mark.parametrize(("encoding", "prefix", "delimiter"), [
    ("utf-8", codecs.BOM_UTF8, ","),
    ("gbk", b"", ","),
    ("gb18030", b"", ";"),
    ("utf-16-le", codecs.BOM_UTF16_LE, "\t"),
])
def test_inspect_csv_encodings(run_cli, tmp_path, encoding, prefix, delimiter):
    path = write_csv(tmp_path / "目录.csv", CHINESE_ROWS, encoding=encoding, prefix=prefix, delimiter=delimiter)
    code, data = inspect_json(run_cli, path)
    assert code == 0
    assert [(p["sku"], p["name"]) for p in data["products"]] == [("GF-500", "腐熟羊粪有机肥"),
                                                                 ("ET-101", "数字万用表")]
    assert data["products"][0]["colors"] == ["黄色", "黑色"]
    table = run_cli("inspect", path)
    assert table.exit_code == 0 and "腐熟羊粪有机肥" in table.stdout


# --- row problems through the CLI ----------------------------------------------------------

@pytest.fixture
def partly_bad(tmp_path):
    return write_xlsx(tmp_path / "partly-bad.xlsx", [
        ["款号", "品名", "出厂价", "卖点"],
        ["A-1", "马克杯", "¥25.8", "容量大"],
        ["A-2", "汤碗", "abc", ""],
        ["A-3", None, 12, ""],
        ["A-4", "茶杯", 8.5, "好" * 10_000],
        ["A-1", "马克杯", 30, ""],
        ["A-5", "盘子", "10-20", ""],
        ["A-6", "玻璃杯", "$2.10", "耐热"],
    ])


def test_partly_bad_sheet_exits_2_but_lists_good_products_in_json(run_cli, partly_bad):
    code, data = inspect_json(run_cli, partly_bad)
    assert code == 2
    assert [(p["sku"], p["cost"], p["row"]) for p in data["products"]] == [
        ("A-1", {"amount": "25.8", "currency": "CNY"}, 2), ("A-6", {"amount": "2.1", "currency": "USD"}, 8)]
    errors = [(p["row"], p["code"], p.get("column")) for p in data["problems"] if p["severity"] == "error"]
    assert errors == [(3, "bad-value", "出厂价 (C)"), (4, "no-name", "品名 (B)"), (5, "bad-value", "卖点 (D)"),
                      (6, "duplicate-sku", "款号 (A)"), (7, "bad-value", "出厂价 (C)")]
    assert all(p["sheet"] == "产品" and p["file"].endswith("partly-bad.xlsx") for p in data["problems"])


def test_partly_bad_sheet_table_shows_problems(run_cli, partly_bad):
    result = run_cli("inspect", partly_bad)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    out = result.stdout
    assert "马克杯" in out and "玻璃杯" in out
    assert "'abc' is not a price" in out
    assert "Problems (5 errors)" in out


def test_generated_sku_is_marked_in_the_table(run_cli, tmp_path):
    path = write_xlsx(tmp_path / "nosku.xlsx", [["品名", "出厂价"], ["马克杯", 25.8]])
    result = run_cli("inspect", path)
    assert result.exit_code == 0  # a warning is not an error
    assert "XB-" in result.stdout and "SKU generated by xborder" in result.stdout


# --- files that cannot be read -------------------------------------------------------------

@pytest.mark.parametrize(("make", "says"), BAD_FILES, ids=BAD_IDS)
def test_unusable_file_exits_2_with_one_line(run_cli, tmp_path, make, says):
    path = make(tmp_path)
    for args in (["inspect", path], ["inspect", path, "--json"]):
        line = assert_one_line_error(run_cli(*args), path.name, says)
        assert "xborder: " + str(path) in line


# --- version and help ----------------------------------------------------------------------

def test_version(run_cli):
    from xborder import __version__

    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"xborder, version {__version__}"


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["inspect", "--help"]])
def test_help(run_cli, args):
    result = run_cli(*args)
    assert result.exit_code == 0
    assert "Usage: xborder" in result.stdout
    if args[0] == "inspect":
        for option in ("--sheet", "--json", "--config", "FILE"):
            assert option in result.stdout
    else:
        assert "inspect" in result.stdout


def test_inspect_without_file_is_a_usage_error(run_cli):
    result = run_cli("inspect")
    assert result.exit_code == 2
    assert "Missing argument 'FILE'" in result.stderr
