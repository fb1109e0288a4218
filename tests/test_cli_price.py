"""`xborder price` and `xborder rates` as a seller runs them on the example."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from xborder.cli import cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A copy of examples/ as the current folder."""
    for name in ("catalog.xlsx", "xborder.toml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_price_two_markets_as_in_the_readme(project):
    result = run("price", "catalog.xlsx", "--market", "amazon-de", "--market", "amazon-jp", "--fx-date", "2025-06-02")
    assert result.exit_code == 0, result.output
    assert "Amazon DE" in result.output and "Amazon JP" in result.output
    assert "UM-88" in result.output
    assert "€" in result.output and "￥" in result.output


def test_price_json_quotes_cover_break_even_and_record_fx(project):
    result = run("price", "catalog.xlsx", "--json", "--fx-date", "2025-06-02")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert set(payload["markets"]) == {"amazon-us", "amazon-de", "amazon-jp", "tiktok-uk", "shopify"}
    for key, quotes in payload["markets"].items():
        assert len(quotes) == 14  # 13 products, and the black skirt's own cost
        for q in quotes:
            assert D(q["price"]) >= D(q["break_even"])
            assert q["fx"]["date"] <= "2025-06-02" and "ECB" in q["fx"]["source"] or q["currency"] == "CNY"
    jp = {q["sku"]: q for q in payload["markets"]["amazon-jp"]}
    assert D(jp["HF-M01 [黑色]"]["price"]) > D(jp["HF-M01"]["price"])
    assert jp["HF-M01 [黑色]"]["cost"] == {"amount": "178", "currency": "CNY"}
    assert D(jp["UM-88"]["price"]) == D(jp["UM-88"]["price"]).to_integral_value()
    # the project's per-market freight applies to Japan only
    us = {q["sku"]: q for q in payload["markets"]["amazon-us"]}
    assert D(jp["UM-88"]["freight"]) / D(jp["UM-88"]["fx"]["rate"]) < D(us["UM-88"]["freight"]) / D(us["UM-88"]["fx"]["rate"])


def test_same_fx_date_gives_the_same_quotes(project):
    first = run("price", "catalog.xlsx", "--json", "--fx-date", "2025-06-02").output
    second = run("price", "catalog.xlsx", "--json", "--fx-date", "2025-06-02").output
    assert first == second


def test_explain_shows_the_waterfall(project):
    result = run("price", "catalog.xlsx", "-m", "amazon-de", "--explain", "UM-88", "--fx-date", "2025-06-02")
    assert result.exit_code == 0, result.output
    for step in ("factory cost", "+ freight", "+ duty", "= landed cost", "VAT", "→ rounded", "break-even", "profit"):
        assert step in result.output


def test_explain_unknown_sku(project):
    result = run("price", "catalog.xlsx", "--explain", "NOPE")
    assert result.exit_code == 2
    assert "no product with SKU 'NOPE'" in result.output


@pytest.mark.parametrize("args, message", [
    (["--market", "amazon-xx"], "unknown market 'amazon-xx'"),
    (["--fx-date", "yesterday"], "is not a date"),
    (["--fx-date", "2999-01-01"], "end on"),
    (["--rates", "missing.csv"], "rates file not found"),
])
def test_bad_options_one_line_exit_2(project, args, message):
    result = run("price", "catalog.xlsx", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_margin_plus_fees_too_high(project):
    (project / "xborder.toml").write_text('[pricing]\nmargin = "0.9"\n', encoding="utf-8")
    result = run("price", "catalog.xlsx")
    assert result.exit_code == 2
    assert "reach 100%" in result.output


def test_negative_cost_in_config_and_bad_basis(project):
    (project / "xborder.toml").write_text('[pricing]\nmargin_basis = "vibes"\n', encoding="utf-8")
    result = run("price", "catalog.xlsx")
    assert result.exit_code == 2 and "margin_basis" in result.output


def test_missing_rate_then_rates_file(project):
    (project / "xborder.toml").write_text(
        '[project]\nmarkets = ["vn"]\n[markets.vn]\nbase = "shopify"\nlocale = "vi_VN"\ncurrency = "VND"\n'
        'rounding = { bands = [{ step = "1000", ending = "0" }] }\n', encoding="utf-8")
    result = run("price", "catalog.xlsx", "--fx-date", "2025-06-02")
    assert result.exit_code == 2
    assert "no exchange rate for VND" in result.output
    (project / "rates.csv").write_text("base,quote,rate,date,source\nUSD,VND,26000,2025-06-01,bank\n", encoding="utf-8")
    result = run("price", "catalog.xlsx", "--fx-date", "2025-06-02", "--rates", "rates.csv", "--json")
    assert result.exit_code == 0, result.output
    quotes = json.loads(result.output)["markets"]["vn"]
    assert all(D(q["price"]) % 1000 == 0 for q in quotes)
    assert "rates.csv (bank)" in quotes[0]["fx"]["source"]


def test_rows_with_errors_are_left_out_and_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.csv").write_text("品名,出厂价\n伞,25.8\n坏的,abc\n", encoding="utf-8")
    result = run("price", "c.csv", "--json", "--fx-date", "2025-06-02")
    assert result.exit_code == 2
    payload = json.loads(result.output[:result.output.rindex("}") + 1])
    assert [q["name"] for q in payload["markets"]["amazon-us"]] == ["伞"]
    assert payload["problems"][0]["row"] == 3


def test_rates_command(project):
    result = run("rates", "--fx-date", "2025-06-02", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert {r["quote"] for r in payload["rates"]} == {"USD", "EUR", "JPY", "GBP"}
    assert all(r["base"] == "CNY" for r in payload["rates"])
    table = run("rates", "--fx-date", "2025-06-02")
    assert "CNY" in table.output and "ECB" in table.output
