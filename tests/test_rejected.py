"""Issue 19 (items 3 and 4): a rejected reply is not bought twice, and the model is told the rules the checks
enforce. Over real HTTP against the scripted OpenAI-compatible server (tests/fake_openai.py)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import FAKE_KEY, one_line_error, write_xlsx
from fake_openai import Reply, follow_schema, request_schema, run_batch, strict_problems, write_listing

KEY = FAKE_KEY
HEADER = ["款号", "品名", "规格", "材质", "出厂价", "颜色", "卖点"]
UMBRELLA = ["UM-88", "遇水变色雨伞", "8骨 105cm", "100%涤纶", "25", "粉色", "遇水变色\n三折便携"]
CONFIG = """\
[project]
markets = ["amazon-us"]
brand = "Lumi"
engine = "openai"
[pricing]
fx_max_age_days = "0"
fulfilment = "direct"
freight_per_unit = "2"
[pricing.weights]
"UM-88" = "450g"
[markets.amazon-us.duty]
rate = "0.04"
[model]
name = "test-model"
concurrency = 2
timeout = 5
retries = 1
retry_wait = 0.01
max_wait = 0.1
"""
CLAIM = "Antibacterial"  # claims.toml: an antimicrobial claim, an error on every market



def make_project(path: Path, rows: list[list[object]], model: str = "", markets: str = '["amazon-us"]') -> Path:
    write_xlsx(path / "catalog.xlsx", [HEADER, *rows])
    config = CONFIG.replace('markets = ["amazon-us"]', f"markets = {markets}") + model
    (path / "xborder.toml").write_text(config, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path, [UMBRELLA])


def claims_in_the_title(names: tuple[str, ...] = ("雨伞",)):
    """A model that writes an antimicrobial claim into the title of these products, repair request or not."""
    def reply(body: dict) -> Reply:
        data = json.loads(write_listing(body))
        if any(name in body["messages"][1]["content"] for name in names):
            data["title"] = f"{CLAIM} {data['title']}"
        return Reply(json.dumps(data, ensure_ascii=False))
    return reply


def listing(path: Path, sku: str = "UM-88", market: str = "amazon-us") -> dict:
    data = json.loads((path / "dist" / f"{market}.json").read_text(encoding="utf-8"))
    return next(item for item in data["listings"] if item["sku"] == sku)


def report(path: Path) -> dict:
    return json.loads((path / "dist" / "report.json").read_text(encoding="utf-8"))


def rejected_finding(item: dict) -> dict:
    found = [f for f in item["findings"] if f["check"] == "model-rejected"]
    assert len(found) == 1, item["findings"]
    return found[0]


def stored(path: Path) -> tuple[str, dict]:
    """The cached listing of the umbrella: its origin and the stored JSON."""
    with sqlite3.connect(path / ".xborder" / "memory.sqlite") as db:
        rows = db.execute("SELECT origin, target FROM cache WHERE source LIKE 'listing UM-88%'").fetchall()
    assert len(rows) == 1
    return rows[0][0], json.loads(rows[0][1])


def test_a_rejected_reply_is_kept_with_its_reasons_and_not_bought_again(server, project, run_cli):
    server.default = claims_in_the_title()
    first = run_cli("build", "catalog.xlsx")
    assert first.exit_code == 1, first.output
    assert len(server.requests) == 2  # the reply and its repair request
    finding = rejected_finding(listing(project))
    assert "after one repair request" in finding["message"] and "claim-antimicrobial" in finding["message"]
    summary = " ".join(first.output.split())
    assert "1 listing rejected (1 in this run, 0 kept from earlier runs)" in summary
    assert "claim-antimicrobial 1" in summary and "--retry-rejected" in summary
    rejected = report(project)["rejected"]
    assert (rejected["listings"], rejected["this_run"], rejected["earlier_runs"]) == (1, 1, 0)
    assert {"check": "claim-antimicrobial", "count": 1} in rejected["top_reasons"]
    item = rejected["items"][0]
    assert (item["sku"], item["market"], item["attempts"], item["via"]) == ("UM-88", "amazon-us", 1, "live")
    assert "--retry-rejected" in rejected["retry"] and "tm import" in rejected["retry"]
    claim = next(r for r in item["reasons"] if r["check"] == "claim-antimicrobial")
    assert claim["field"] == "title" and claim["term"].casefold() == "antibacterial"
    origin, data = stored(project)
    assert origin == "model-rejected" and data["title"].startswith(CLAIM)
    assert data["rejected"]["attempts"] == 1 and data["rejected"]["reasons"] == item["reasons"]
    # a rejected title is published nowhere: no handle from it, no row in the upload file
    shown = listing(project)
    assert shown["status"] == "held" and "model reply rejected" in shown["hold_reasons"]
    assert shown["handle"] == "um-88" and "antibacterial" not in shown["handle"]
    flat = (project / "dist" / "amazon-us-flatfile.txt").read_text(encoding="utf-8")
    assert "UM-88" not in flat and CLAIM not in flat

    server.default = Reply()  # the model would answer well now, but nobody asks it
    again = run_cli("build", "catalog.xlsx")
    assert again.exit_code == 1, again.output
    assert len(server.requests) == 2  # the rerun buys nothing
    item = listing(project)
    assert item["title"].startswith(CLAIM)  # the rejected text is still shown, marked
    assert "claim-antimicrobial" in [f["check"] for f in item["fields"]["title"]["findings"]]
    message = rejected_finding(item)["message"]
    for words in ("rejected on an earlier run", "1 reply bought", "claim-antimicrobial", "--retry-rejected",
                  "retry_rejected = N", "listings.xlsx", "xborder tm import"):
        assert words in message, message
    rejected = report(project)["rejected"]
    assert (rejected["listings"], rejected["this_run"], rejected["earlier_runs"]) == (1, 0, 1)
    assert report(project)["usage"]["requests"] == 0
    dry = json.loads(run_cli("build", "catalog.xlsx", "--dry-run", "--json").stdout)
    assert dry["totals"]["requests"] == 0 and dry["totals"]["covered"] == 1


def test_retry_rejected_asks_again_and_counts_the_attempt(server, project, run_cli):
    server.default = claims_in_the_title()
    assert run_cli("build", "catalog.xlsx").exit_code == 1
    assert len(server.requests) == 2
    assert run_cli("build", "catalog.xlsx", "--retry-rejected").exit_code == 1
    assert len(server.requests) == 4  # asked again: the reply and its repair request
    assert stored(project)[1]["rejected"]["attempts"] == 2
    assert "after one repair request" in rejected_finding(listing(project))["message"]  # this run's rejection
    assert report(project)["rejected"]["this_run"] == 1
    assert run_cli("build", "catalog.xlsx").exit_code == 1
    assert len(server.requests) == 4
    assert "2 replies bought" in rejected_finding(listing(project))["message"]

    server.default = Reply()
    fixed = run_cli("build", "catalog.xlsx", "--retry-rejected")
    assert fixed.exit_code == 0, fixed.output
    assert len(server.requests) == 5
    origin, data = stored(project)
    assert origin == "model" and "rejected" not in data
    assert [f for f in listing(project)["findings"] if f["check"] == "model-rejected"] == []
    assert report(project)["rejected"]["listings"] == 0


def test_a_setting_of_one_retry_asks_again_exactly_once_across_two_more_runs(server, tmp_path, run_cli):
    project = make_project(tmp_path, [UMBRELLA], "retry_rejected = 1\n")
    server.default = claims_in_the_title()
    counts = []
    for _ in range(3):
        assert run_cli("build", "catalog.xlsx").exit_code == 1
        counts.append(len(server.requests))
    assert counts == [2, 4, 4]
    assert stored(project)[1]["rejected"]["attempts"] == 2


def test_a_changed_catalog_row_is_asked_again(server, project, run_cli):
    server.default = claims_in_the_title()
    assert run_cli("build", "catalog.xlsx").exit_code == 1
    assert len(server.requests) == 2
    changed = UMBRELLA[:6] + ["遇水变色\n三折便携\n防晒"]  # the factory added a selling point: a new cache key
    write_xlsx(project / "catalog.xlsx", [HEADER, changed])
    server.default = Reply()
    assert run_cli("build", "catalog.xlsx").exit_code == 0
    assert len(server.requests) == 3


def test_a_person_who_corrected_the_rejected_field_clears_the_rejection(server, project, run_cli):
    from xborder.catalog import read_catalog
    from xborder.config import load_config
    from xborder.listing.compose import title_source
    from xborder.language.memory import TranslationMemory

    server.default = claims_in_the_title()
    assert run_cli("build", "catalog.xlsx").exit_code == 1
    config = load_config(project / "xborder.toml")
    product = read_catalog(project / "catalog.xlsx", config.catalog).products[0]
    config.seller.fill(product)
    with TranslationMemory(project / ".xborder" / "memory.sqlite") as memory:  # as `xborder tm import` keeps it
        memory.approve(title_source(product), "Lumi Umbrella That Changes Colour When Wet, Polyester, 8 Ribs, 105 cm",
                       "zh", "en", "amazon-us")
    result = run_cli("build", "catalog.xlsx")
    assert len(server.requests) == 2
    item = listing(project)
    assert item["fields"]["title"]["provenance"] == "memory"
    assert [f for f in item["findings"] if f["check"] == "model-rejected"] == [], item["findings"]
    assert report(project)["rejected"]["listings"] == 0
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("value, says", [("-1", "must be a whole number of 0 or more"),
                                         ("1.5", "must be a whole number of 0 or more"),
                                         ("true", "must be a whole number of 0 or more"),
                                         ('"twice"', "is not a number")])
def test_retry_rejected_must_be_a_whole_number_of_0_or_more(server, tmp_path, run_cli, value, says):
    make_project(tmp_path, [UMBRELLA], f"retry_rejected = {value}\n")
    one_line_error(run_cli("build", "catalog.xlsx"), "[model] retry_rejected = ", says)
    assert server.requests == []


def test_half_a_catalog_rejected_costs_its_requests_once(server, tmp_path, run_cli):
    names = ["雨伞", "测电笔", "螺丝刀", "不锈钢杯", "马面裙", "花园工具", "万用表", "折叠凳", "汉服", "肥料"]
    rows = [[f"P-{n}", name, f"{n + 1}件套", "不锈钢", str(10 + n), "黑色", "家用"] for n, name in enumerate(names)]
    project = make_project(tmp_path, rows)
    server.default = claims_in_the_title(tuple(names[::2]))  # half the products: a claim, repair or not
    assert run_cli("build", "catalog.xlsx").exit_code == 1
    assert len(server.requests) == 15  # 5 accepted at once, 5 asked and repaired in vain
    rejected = report(project)["rejected"]
    assert rejected["listings"] == 5 and rejected["top_reasons"][0] == {"check": "claim-antimicrobial", "count": 5}
    assert run_cli("build", "catalog.xlsx").exit_code == 1
    assert len(server.requests) == 15  # an unchanged rerun: nothing
    assert report(project)["rejected"]["earlier_runs"] == 5


def test_a_rejected_batch_result_reports_its_reasons(server, project, run_cli):
    assert run_cli("build", "catalog.xlsx", "--batch-out", "requests.jsonl").exit_code == 0
    run_batch(project / "requests.jsonl", project / "results.jsonl", claims_in_the_title())
    result = run_cli("build", "catalog.xlsx", "--batch-in", "results.jsonl")
    assert result.exit_code == 1, result.output
    assert server.requests == []  # the batch's reply is this run's: no live request after it
    data = report(project)
    batch = data["batch"]
    assert batch["rejected"] == 1 and batch["rejections"][0]["sku"] == "UM-88"
    assert "claim-antimicrobial" in [r["check"] for r in batch["rejections"][0]["reasons"]]
    assert {"check": "claim-antimicrobial", "count": 1} in batch["top_reasons"]
    rejected = data["rejected"]
    assert (rejected["listings"], rejected["this_run"]) == (1, 1)
    assert rejected["items"][0]["via"] == "batch"
    assert "claim-antimicrobial" in [r["check"] for r in rejected["items"][0]["reasons"]]
    assert "in a batch reply" in rejected_finding(listing(project))["message"]

    assert run_cli("build", "catalog.xlsx", "--batch-out", "again.jsonl").exit_code == 0
    assert (project / "again.jsonl").read_text(encoding="utf-8") == ""  # not asked again in the next batch either
    again = run_cli("build", "catalog.xlsx", "--batch-in", "results.jsonl")
    assert again.exit_code == 1 and server.requests == []
    assert report(project)["batch"]["held"][0]["reason"] == "the memory already holds it"


# item 4: the schema and the prompt carry the counts and lengths the checks enforce ------------------------------

LENGTH_CHECKS = {"bullet-count", "shortened", "too-long", "too-short", "too-many-bytes", "keywords-dropped"}
MARKETS = '["amazon-de", "etsy-us", "tiktok-us"]'


@pytest.mark.parametrize("mode", ["json_schema", "json_object", "prompted"])
def test_a_model_that_follows_the_schema_to_its_limits_is_not_rejected(server, tmp_path, run_cli, mode):
    project = make_project(tmp_path, [UMBRELLA], f'structured_output = "{mode}"\n', MARKETS)
    server.default = follow_schema
    result = run_cli("build", "catalog.xlsx")
    assert len(server.requests) == 3, [r.get("response_format") for r in server.requests]  # no repair, no refusal
    assert report(project)["engine"]["structured_output"] == mode
    de, etsy, tiktok = (listing(project, market=m) for m in ("amazon-de", "etsy-us", "tiktok-us"))
    for item in (de, etsy, tiktok):
        checks = {f["check"] for f in item["findings"]} | {f["check"] for field in item["fields"].values()
                                                            for f in field["findings"]}
        assert not checks & (LENGTH_CHECKS | {"model-rejected"}), (item["market"] if "market" in item else "", checks)
    # at the limits exactly: from maxLength in the prompted schema, from the words of the strict one's descriptions
    assert len(de["title"]) == 200 and [len(b) for b in de["bullets"]] == [250] * 5
    assert len(de["description"]) == 2000
    assert len(de["keywords"].encode()) == 7 * 27 + 6  # 7 keywords of 27 characters, joined with spaces
    assert len(etsy["title"]) == 139 and [len(t) for t in etsy["tags"]] == [20] * 13
    assert len(tiktok["title"]) == 255 and 8500 < len(tiktok["description"]) <= 10000  # its HTML fits too
    assert result.exit_code in (0, 1), result.output  # the checklist's findings are not the text's


def test_the_strict_schema_keeps_to_what_strict_mode_supports_and_the_prompt_says_the_rules(server, tmp_path,
                                                                                            run_cli):
    project = make_project(tmp_path, [UMBRELLA], "", MARKETS)
    run_cli("build", "catalog.xlsx")
    bodies = {json.loads(b["messages"][1]["content"].split("\n\nPRODUCT\n")[0][7:])["marketplace"]: b
              for b in server.requests}
    de = bodies["Amazon DE"]
    schema = de["response_format"]["json_schema"]["schema"]
    assert de["response_format"]["json_schema"]["strict"] is True and strict_problems(schema) == []
    bullets = schema["properties"]["bullets"]
    assert (bullets["minItems"], bullets["maxItems"]) == (5, 5)
    assert "maxLength" not in json.dumps(schema) and "at most 250 characters" in bullets["items"]["description"]
    keywords = schema["properties"]["keywords"]
    assert "249 UTF-8 bytes" in keywords["description"] and keywords["maxItems"] >= 1
    brief = json.loads(de["messages"][1]["content"].split("\n\nPRODUCT\n")[0][7:])
    assert "exactly 5 bullet points, each at most 250 characters" in brief["fields"]["bullets"]
    assert "249 UTF-8 bytes" in brief["fields"]["keywords"]
    assert "bytes" in de["messages"][0]["content"] and "bullet points" in de["messages"][0]["content"]
    etsy = bodies["Etsy US"]["response_format"]["json_schema"]["schema"]["properties"]["tags"]
    assert etsy["maxItems"] == 13 and "at most 20 characters" in etsy["items"]["description"]
    tiktok = json.loads(bodies["TikTok Shop US"]["messages"][1]["content"].split("\n\nPRODUCT\n")[0][7:])
    assert "HTML" in tiktok["fields"]["description"] and "10000" in tiktok["fields"]["description"]

    prompted = request_schema({"messages": [{}, {"content": "x matches this JSON Schema, and nothing else:\n"
                                                             + json.dumps(_prompted_schema(project))}]})
    assert prompted["properties"]["bullets"]["items"]["maxLength"] == 250
    assert prompted["properties"]["title"]["maxLength"] == 200


def _prompted_schema(project: Path) -> dict:
    """The schema the json_object and prompted modes show in the prompt, for the umbrella on Amazon DE."""
    from xborder.catalog import read_catalog
    from xborder.config import load_config
    from xborder.markets import get_markets
    from xborder.engines.engine import Job
    from xborder.engines.model import Request
    from xborder.language.project import project_glossary

    config = load_config(project / "xborder.toml")
    market = get_markets(["amazon-de"], config.market_overrides)[0]
    product = read_catalog(project / "catalog.xlsx", config.catalog).products[0]
    return Request(Job(product, market, project_glossary(config, market), (), True), {}).schema(strict=False)
