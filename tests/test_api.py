"""The Python API the README documents: its code runs as written, and `build` leaves the disk as it was."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import xborder
from conftest import EXAMPLE_CATALOG, ROOT
from xborder import Project
from xborder.errors import ConfigError


@pytest.fixture
def example(tmp_path, monkeypatch) -> Path:
    for item in EXAMPLE_CATALOG.parent.iterdir():
        if item.is_file():
            shutil.copy(item, tmp_path / item.name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XBORDER_MEMORY", raising=False)
    return tmp_path


def _readme_python() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("From Python, everything starts from a `Project`"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readmes_python_runs_as_written_and_writes_nothing(example, capsys):
    before = sorted(p.name for p in example.rglob("*"))
    exec(compile(_readme_python(), "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 13 and all(" ready " in line or " held " in line or " pending " in line
                                      for line in printed)
    assert sorted(p.name for p in example.rglob("*")) == before  # no dist/, no .xborder/memory.sqlite


def test_build_commits_and_writes_only_when_asked(example):
    project = Project.load(near=["catalog.xlsx"])
    result = project.build(["catalog.xlsx"], markets=["shopify"])
    assert {item.status for item in result.listings} == {"ready"}
    assert not (example / ".xborder").exists() and not (example / "dist").exists()
    project.build(["catalog.xlsx"], markets=["shopify"], write_to="out")
    assert (example / "out" / "shopify.csv").is_file() and (example / ".xborder" / "memory.sqlite").is_file()
    handles = {item.product.sku: item.handle for item in project.build(["catalog.xlsx"], markets=["shopify"]).listings}
    assert handles == {item.product.sku: item.handle for item in result.listings}


def test_a_bad_setting_is_refused_when_the_project_loads(tmp_path):
    (tmp_path / "xborder.toml").write_text("[pricing]\nfreight_per_kg = \"lots\"\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="freight_per_kg"):
        Project.load(tmp_path / "xborder.toml")


def test_the_package_exports_the_project_lazily():
    assert xborder.Project is Project and xborder.__version__
    with pytest.raises(AttributeError):
        _ = xborder.Nothing  # type: ignore[attr-defined]


def test_a_typo_in_the_model_section_stops_an_offline_command_too(tmp_path, run_cli):
    (tmp_path / "xborder.toml").write_text('[model]\nnmae = "gpt-4o-mini"\n', encoding="utf-8")
    result = run_cli("price", EXAMPLE_CATALOG, "--config", tmp_path / "xborder.toml")
    assert result.exit_code == 2 and "[model] has no setting 'nmae'" in result.output
