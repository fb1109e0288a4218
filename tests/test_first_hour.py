"""A new user's first hour: `xborder init`, a help that answers without loading every command, outputs that honour
the umask, and a pending.xlf that XLIFF 1.2 tools read."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

import pytest

from conftest import write_xlsx
from xborder.cli.app import COMMANDS, cli

UNSEEN = [
    ["报价单 2026"],
    ["序号", "货号", "品名", "材质", "容量", "单价(元)", "外箱规格(cm)", "毛重/箱(kg)", "包装", "备注"],
    [1, "KT-18", "电热水壶", "304不锈钢", "1.8L", 45, "50*40*45", 14.5, "12pcs/ctn", "220V 国标插头"],
    [2, "LB-03", "儿童饭盒", "PP", "1000ml", 12, "60*40*40", 9.6, "48个/箱", "不含BPA"],
    [3, "SP-01", "硅胶铲", "食品级硅胶", "", 3.5, "", "", "", ""],
]


def test_init_reads_the_catalog_and_writes_a_project_file_the_build_accepts(tmp_path, run_cli, monkeypatch):
    write_xlsx(tmp_path / "quote.xlsx", UNSEEN)
    result = run_cli("init", "quote.xlsx", "--market", "amazon-de", "--freight-per-kg", "38", "--margin", "25%")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "xborder.toml").read_text(encoding="utf-8")
    config = tomllib.loads(text)
    assert config["project"]["markets"] == ["amazon-de"]
    assert config["pricing"]["fulfilment"] == "direct"  # no marketplace fee to guess: prices can be confirmed
    assert config["pricing"]["margin"] == "0.25" and config["pricing"]["freight_per_kg"] == "38"
    # what the catalog lacks is said in the file and on the console, with the key that closes it
    assert "FILL IN FIRST" in text and "# brand = " in text
    assert "1 of 3 products have none" in text and '# "SP-01" = "450g"' in text
    assert "品名 (C) → name" in text
    assert "Fill in first" in result.output and "brand:" in result.output
    assert "Assumed direct fulfilment" in result.output
    built = run_cli("build", "quote.xlsx")
    assert built.exit_code in (0, 1), built.output  # findings, never a configuration error


def test_init_without_a_terminal_assumes_amazon_us_and_says_so(tmp_path, run_cli):
    result = run_cli("init")
    assert result.exit_code == 0, result.output
    assert tomllib.loads((tmp_path / "xborder.toml").read_text(encoding="utf-8"))["project"]["markets"] == ["amazon-us"]
    assert "Assumed market amazon-us" in result.output


def test_init_keeps_an_existing_project_file_and_refuses_bad_choices(tmp_path, run_cli):
    (tmp_path / "xborder.toml").write_text("# mine\n", encoding="utf-8")
    result = run_cli("init", "--market", "amazon-us")
    assert result.exit_code == 2 and "already exists" in result.output
    assert (tmp_path / "xborder.toml").read_text(encoding="utf-8") == "# mine\n"
    result = run_cli("init", "--market", "amazon-mars", "--force")
    assert result.exit_code == 2 and "unknown market amazon-mars" in result.output
    result = run_cli("init", "--market", "amazon-us", "--margin", "lots", "--force")
    assert result.exit_code == 2 and "'lots' is not a number" in result.output
    assert (tmp_path / "xborder.toml").read_text(encoding="utf-8") == "# mine\n"


def test_every_command_is_listed_and_loads_its_module_only_when_used():
    code = ("import sys; from xborder.cli import main; sys.argv = ['xborder', '--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('openai', 'openpyxl', 'translate', 'xborder.build', 'xborder.catalog.reader')"
            " if m in sys.modules]\nprint('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out
    for name in COMMANDS:
        assert name in out
    assert set(COMMANDS) == set(cli.list_commands(None))  # type: ignore[arg-type]
    for name, (module, summary) in COMMANDS.items():
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None and command.callback is not None
        assert command.callback.__module__ == f"xborder.cli.{module}" and command.short_help == summary


@pytest.mark.skipif(os.name != "posix", reason="umask is POSIX")
def test_the_output_folder_honours_the_umask(tmp_path, run_cli):
    write_xlsx(tmp_path / "catalog.xlsx", [["款号", "品名", "出厂价", "毛重(kg)"], ["A-1", "硅胶铲", 3.5, 0.1]])
    old = os.umask(0o022)
    try:
        run_cli("build", "catalog.xlsx")
    finally:
        os.umask(old)
    assert (tmp_path / "dist").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "dist" / "report.json").stat().st_mode & 0o777 == 0o644
    # the output folder's lock lives in the system's temporary folder: nothing is left beside dist/
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".dist")) == []


def test_pending_xlf_is_xliff_1_2_with_each_files_target_language(tmp_path, run_cli):
    from lxml import etree
    from translate.storage import xliff

    write_xlsx(tmp_path / "catalog.xlsx", [["款号", "品名", "出厂价", "毛重(kg)", "卖点"],
                                          ["A-1", "硅胶铲", 3.5, 0.1, "耐高温，不粘锅"]])
    (tmp_path / "xborder.toml").write_text('[project]\nmarkets = ["amazon-us", "amazon-de"]\n', encoding="utf-8")
    run_cli("build", "catalog.xlsx")
    path = tmp_path / "dist" / "pending.xlf"
    root = etree.parse(str(path)).getroot()
    ns = "urn:oasis:names:tc:xliff:document:1.2"
    assert root.tag == f"{{{ns}}}xliff" and root.get("version") == "1.2"
    files = root.findall(f"{{{ns}}}file")
    assert [f.get("target-language") for f in files] == ["de", "en"]
    for node in files:  # what the XLIFF 1.2 schema requires of <file> and <trans-unit>
        assert node.get("original") and node.get("source-language") == "zh" and node.get("datatype")
        ids = [u.get("id") for u in node.iter(f"{{{ns}}}trans-unit")]
        assert ids and all(ids) and len(set(ids)) == len(ids)
    store = xliff.xlifffile.parsefile(str(path))
    assert {store.getfilenode(name).get("target-language") for name in store.getfilenames()} == {"de", "en"}


def test_price_says_a_repeated_finding_once_and_verbose_lists_each(tmp_path, run_cli):
    rows = [["款号", "品名", "出厂价", "毛重(kg)"]] + [[f"A-{i}", "硅胶铲", 3.5, 0.1] for i in range(1, 7)]
    write_xlsx(tmp_path / "catalog.xlsx", rows)
    (tmp_path / "xborder.toml").write_text('[project]\nmarkets = ["amazon-de"]\n[pricing]\nfulfilment = "direct"\n',
                                           encoding="utf-8")
    grouped = run_cli("price", "catalog.xlsx", "--fx-date", "2025-06-02").output
    duty = [line for line in grouped.splitlines() if "no duty rate on the goods" in line]
    assert len(duty) == 1 and "warning ×6 (A-1, A-2, A-3, A-4, … (2 more))" in duty[0]
    verbose = run_cli("price", "catalog.xlsx", "--fx-date", "2025-06-02", "--verbose").output
    assert len([line for line in verbose.splitlines() if "no duty rate on the goods" in line]) == 6


def test_messages_that_state_duty_agree_with_what_explain_charges(tmp_path, run_cli):
    write_xlsx(tmp_path / "catalog.xlsx", [["款号", "品名", "出厂价", "毛重(kg)"], ["A-1", "硅胶铲", 30, 0.1]])
    (tmp_path / "xborder.toml").write_text('[project]\nmarkets = ["amazon-de"]\n[pricing]\nfulfilment = "direct"\n',
                                           encoding="utf-8")
    explained = " ".join(run_cli("price", "catalog.xlsx", "--fx-date", "2025-06-02", "--explain", "A-1").output
                         .replace("\u00a0", " ").replace("│", " ").split())
    assert "3,00 € per item" in explained  # the EU's per-item duty on direct parcels is charged …
    assert "only the 3,00 € per item on direct parcels is charged" in explained  # … and the warning says so
    assert "none is charged" not in explained
    assert "% of the price before tax" in explained and " %" in explained  # percentages as German money reads


def test_rates_are_formatted_by_the_locale():
    from decimal import Decimal

    from xborder.language.money_format import format_rate
    assert format_rate(Decimal("0.3017"), "de_DE") == "30,17\u00a0%"
    assert format_rate(Decimal("0.3"), "en_US") == "30%" and format_rate(Decimal("0.0218"), "ja_JP") == "2.18%"


def test_o_is_a_folder_everywhere_and_a_file_is_written_with_output(tmp_path, run_cli):
    for command in (["build", "--help"], ["script", "--help"], ["init", "--help"]):
        assert "-o, --out" in run_cli(*command).output
    for command in (["check", "--help"], ["tm", "export", "--help"], ["glossary", "export", "--help"],
                    ["glossary", "suggest", "--help"], ["batch", "collect", "--help"]):
        page = run_cli(*command).output
        assert "--output" in page and "-o," not in page, command
    assert "--json" in run_cli("check", "--help").output
    assert "-l, --lang" in run_cli("glossary", "list", "--help").output
    assert "-l, --lang" in run_cli("tm", "export", "--help").output
    # the old -o still writes the file, and says what to write instead
    result = run_cli("glossary", "export", "-o", "terms.csv")
    assert result.exit_code == 0 and (tmp_path / "terms.csv").exists()
    assert "use --output FILE" in result.output


def test_every_help_page_says_what_the_command_writes_and_its_exit_codes(run_cli):
    from xborder.cli.app import WRITES
    for path in [*(name for name in COMMANDS if name not in ("glossary", "tm", "batch")), *WRITES]:
        page = " ".join(run_cli(*path.split(), "--help").output.split())
        assert "Exit codes: 0 done; 1 findings to fix; 2 bad input" in page and "130 interrupted" in page, path
        assert "Writes: " in page, path
    assert "the upload files" in " ".join(run_cli("build", "--help").output.split())


def test_without_a_project_file_the_defaults_assumed_are_said_once(tmp_path, run_cli):
    write_xlsx(tmp_path / "catalog.xlsx", [["款号", "品名", "出厂价", "毛重(kg)"], ["A-1", "硅胶铲", 3.5, 0.1],
                                          ["A-2", "硅胶铲", 4.5, 0.1]])
    output = run_cli("price", "catalog.xlsx", "--fx-date", "2025-06-02").output
    said = [line for line in output.splitlines() if "no xborder.toml" in line]
    assert len(said) == 1 and "amazon-us with marketplace fulfilment" in said[0] and "assumed" in said[0] and "xborder init" in said[0]
    (tmp_path / "xborder.toml").write_text('[project]\nmarkets = ["amazon-us"]\n', encoding="utf-8")
    assert "no xborder.toml" not in run_cli("price", "catalog.xlsx", "--fx-date", "2025-06-02").output
