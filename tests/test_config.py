"""xborder.toml: defaults, discovery, and one clear line for every mistake."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from xborder.cli import cli
from xborder.config import find_config, load_config
from xborder.errors import ConfigError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "xborder.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads():
    config = load_config(EXAMPLES / "xborder.toml")
    assert config.markets == ["amazon-us", "amazon-de", "amazon-jp", "tiktok-uk", "shopify"]
    assert config.pricing.freight_per_kg == D(38)
    assert config.market_overrides["amazon-jp"]["pricing"]["freight_per_kg"] == "22"


def test_defaults_without_a_file():
    config = load_config(None)
    assert config.markets == ["amazon-us"]
    assert config.catalog.currency == "CNY"
    assert config.pricing.margin == D("0.30")


def test_percent_margin_dates_and_rates_file_relative_to_config(tmp_path):
    config = load_config(write(tmp_path, '[pricing]\nmargin = "35%"\nfx_date = "2025-06-02"\nrates_file = "r.csv"\n'))
    assert config.pricing.margin == D("0.35")
    assert config.fx_date == dt.date(2025, 6, 2)
    assert config.rates_file == (tmp_path / "r.csv").resolve()


@pytest.mark.parametrize("text, message", [
    ("[pricing\n", "not valid TOML"),
    ("[pricng]\n", r"unknown section \[pricng\]"),
    ("[catalog]\nshet = 'x'\n", "has no setting 'shet'"),
    ("[pricing]\nmargin = 'lots'\n", "is not a number"),
    ("[pricing]\nmargin = '-0.1'\n", "negative"),
    ("[pricing]\nmargin = '1.2'\n", "below 100%"),
    ("[pricing]\nfx_date = 'soon'\n", "not a date"),
    ("[project]\nmarkets = 'amazon-us'\n", "must be a list"),
    ("[catalog.aliases]\nsku = '货品编号'\n", "takes lists of headers"),
    ("[project]\nbrand = 3\n", "brand must be text"),
    ("[project]\ncertifications = 'CE'\n", "certifications must be a list"),
    ("[compliance]\neu_rep = 'x'\n", "has no setting 'eu_rep'"),
])
def test_bad_config(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text))


def test_config_found_in_current_folder_then_next_to_catalog(tmp_path, monkeypatch):
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir(), there.mkdir()
    (there / "xborder.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(here)
    assert find_config(None, [there / "catalog.xlsx"]) == there / "xborder.toml"
    (here / "xborder.toml").write_text("", encoding="utf-8")
    assert find_config(None, [there / "catalog.xlsx"]) == here / "xborder.toml"
    with pytest.raises(ConfigError, match="no such config file"):
        find_config(tmp_path / "nope.toml")


def test_bad_config_through_the_cli_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "[pricing]\nmargin = 'lots'\n")
    result = CliRunner().invoke(cli, ["price", str(EXAMPLES / "catalog.xlsx")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "xborder.toml" in result.output


def test_every_command_is_documented_in_the_readme():
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert f"`xborder {name}" in readme, f"README has no section for `xborder {name}`"
        for sub in getattr(command, "commands", {}):
            assert f"xborder {name} {sub}" in readme, f"README never shows `xborder {name} {sub}`"


def test_seller_fills_what_the_catalog_leaves_empty(tmp_path):
    from xborder.catalog import read_catalog
    from conftest import write_xlsx

    config = load_config(write(tmp_path, '[project]\nbrand = "Lumi"\nmanufacturer = "Ningbo Lumi Co."\n'
                                         'certifications = ["CE"]\n[compliance]\neu_responsible_person = "X GmbH"\n'))
    assert config.seller.eu_responsible_person == "X GmbH"
    path = write_xlsx(tmp_path / "c.xlsx", [["货号", "品名", "出厂价", "品牌", "认证", "电压", "插头", "生产厂家"],
                                            ["A1", "电烙铁", 20, "", "FCC/RoHS", "220V", "国标", ""],
                                            ["A2", "万用表", 30, "Own", "", "", "", "Shenzhen Own"]])
    products = read_catalog(path).products
    for product in products:
        config.seller.fill(product)
    first, second = products
    assert (first.brand, first.manufacturer, first.certifications) == ("Lumi", "Ningbo Lumi Co.", ["FCC", "RoHS", "CE"])
    assert (first.voltage, first.plug) == ("220V", "国标")
    assert (second.brand, second.manufacturer, second.certifications) == ("Own", "Shenzhen Own", ["CE"])
