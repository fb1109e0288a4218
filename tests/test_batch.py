"""Batch runs: a build's requests as a batch file, answered offline (as `vllm run-batch`) or through the
Batch API of the scripted server with the real `openai` client, and the replies kept in the memory."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import FAKE_KEY, write_xlsx
from fake_openai import Reply, prompt_parts, run_batch, write_listing
from xborder.catalog import read_catalog
from xborder.config import load_config
from xborder.errors import ConfigError, InputError
from xborder.markets import get_markets
from xborder.listing.compose import ListingTextChecks
from xborder.engines.batch import (BatchImport, check_batch_file, custom_id, import_batch_results,
                                     write_batch_file)
from xborder.engines.engine import Job
from xborder.language.memory import TranslationMemory
from xborder.engines.model import ModelEngine, model_settings
from xborder.language.project import open_memory, project_glossary
from xborder.engines.stages import plan_texts

KEY = FAKE_KEY
ROWS = [
    ["款号", "品名", "规格", "材质", "出厂价", "颜色", "卖点"],
    ["GF-500", "腐熟羊粪有机肥", "5kg/袋", "羊粪", "￥6.5", "黄色/黑色", "完全腐熟，无臭味；疏松透气"],
    ["ET-101", "数字万用表", "600V 自动量程", "ABS", "38元", "红色、蓝色", "自动量程\n高精度"],
    ["HF-M01", "汉服马面裙", "均码", "100%涤纶", "120", "红色", "明制马面裙，手工刺绣"],
    ["UM-88", "遇水变色雨伞", "8骨 105cm", "碰击布", "25", "粉色", "遇水变色\n三折便携"],
]
CONFIG = """\
[project]
markets = ["amazon-de"]
brand = "Lumi"  # the Amazon flat file needs one
engine = "openai"
[pricing]
fx_max_age_days = "0"  # these tests are about the model, not the age of the bundled rates
fulfilment = "direct"
freight_per_unit = "2"
[markets.amazon-de.duty]
rate = "0.04"
[model]
name = "test-model"
concurrency = 2
timeout = 5
retries = 1
retry_wait = 0.01
max_wait = 0.1
"""



@pytest.fixture
def project(tmp_path):
    write_xlsx(tmp_path / "catalog.xlsx", ROWS)
    (tmp_path / "xborder.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


@contextmanager
def planned(project: Path) -> Iterator[tuple[list[Job], ModelEngine, TranslationMemory]]:
    """The jobs a build of the project would give the model engine now, the engine, and the open memory."""
    config = load_config(project / "xborder.toml")
    engine = ModelEngine(model_settings(config.model, "xborder.toml [model]"))
    markets = get_markets(config.markets, config.market_overrides)
    products = read_catalog(project / "catalog.xlsx", config.catalog).products
    for product in products:
        config.seller.fill(product)  # as a build does: [project] brand where the row has none
    glossaries = {m.key: project_glossary(config, m) for m in markets}
    with open_memory(config) as memory:
        plan = plan_texts(products, markets, glossaries, memory, engine, config.source_language,
                          checks=ListingTextChecks())
        yield plan.jobs, engine, memory


def asked(project: Path) -> list[str]:
    """The SKUs a build would ask the model about now (a job the offline engine renders whole asks nothing)."""
    with planned(project) as (jobs, engine, _):
        return [job.product.sku for job in jobs if engine.body_for(job, "json_schema") is not None]


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_lines(path: Path, items: list[dict | str]) -> None:
    path.write_text("".join((i if isinstance(i, str) else json.dumps(i, ensure_ascii=False)) + "\n" for i in items),
                    encoding="utf-8")


def export(project: Path) -> Path:
    with planned(project) as (jobs, engine, _):
        assert write_batch_file(jobs, engine, project / "requests.jsonl") == len(jobs)
    return project / "requests.jsonl"


def import_(project: Path, results: Path) -> BatchImport:
    with planned(project) as (jobs, engine, memory):
        return import_batch_results(results, jobs, engine, memory)


def origins(project: Path) -> dict[str, str]:
    with sqlite3.connect(project / ".xborder" / "memory.sqlite") as db:
        return dict(db.execute("SELECT source, origin FROM cache WHERE source LIKE 'listing %'").fetchall())


def listings(project: Path) -> dict[str, dict]:
    data = json.loads((project / "dist" / "amazon-de.json").read_text(encoding="utf-8"))
    return {item["sku"]: item for item in data["listings"]}


def test_a_batch_file_holds_the_first_request_the_live_path_sends_under_stable_ids(server, project, run_cli):
    requests = export(project)
    first = requests.read_bytes()
    assert export(project).read_bytes() == first  # a second run writes the same file: the same ids
    items = lines(requests)
    assert len(items) == 4
    ids = [item["custom_id"] for item in items]
    assert len(set(ids)) == 4
    assert all(re.fullmatch(r"[0-9a-f]{24}-amazon-de-[A-Za-z0-9_-]+", i) and len(i) <= 64 for i in ids)
    assert {i.rsplit("-", 1)[1] for i in ids} == {"500", "101", "M01", "88"}
    for item in items:
        assert item["method"] == "POST" and item["url"] == "/v1/chat/completions"
        body = item["body"]
        assert body["model"] == "test-model" and body["temperature"] == 0.3 and body["max_tokens"] == 4096
        assert [m["role"] for m in body["messages"]] == ["system", "user"]
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["strict"] is True

    assert run_cli("build", "catalog.xlsx").exit_code == 0  # the live path, on the same plan
    assert len(server.requests) == 4
    by_prompt = {item["body"]["messages"][1]["content"]: item["body"] for item in items}
    for sent in server.requests:
        streamed = {key: sent.pop(key) for key in ("stream", "stream_options")}
        assert streamed == {"stream": True, "stream_options": {"include_usage": True}}  # live replies are streamed
        assert sent == by_prompt[sent["messages"][1]["content"]]  # otherwise byte for byte the same request


def test_a_batch_answered_offline_fills_the_memory_so_the_next_build_asks_nothing(server, project, run_cli):
    requests = export(project)
    assert run_batch(requests, project / "results.jsonl") == 4
    report = import_(project, project / "results.jsonl")
    assert (report.imported, report.rejected, report.lines) == (4, 0, 4)
    assert report.failed == report.unknown == report.stale == report.held == report.missing == []
    assert report.usage.requests == 4 and report.usage.prompt_tokens > 1000 and report.usage.completion_tokens > 0
    assert set(origins(project).values()) == {"model"}
    assert asked(project) == []

    server.default = Reply(status=500, error="the endpoint is down")  # a build may not need it
    result = run_cli("build", "catalog.xlsx")
    assert result.exit_code == 0, result.output
    assert server.requests == []
    for item in listings(project).values():
        # the checklist's findings (no EU responsible person) and the upload files' (no barcode) are not the text's
        assert not item["pending"] and [f for f in item["findings"] if f.get("field") not in ("compliance",
                                                                                               "upload")] == []
        assert {f["provenance"] for f in item["fields"].values()} == {"model"}
    assert "Hanfu" in listings(project)["HF-M01"]["title"]


def test_a_reply_that_breaks_a_rule_is_stored_rejected_with_its_reasons_and_asked_again_when_asked(server, project,
                                                                                                  run_cli):
    def too_long(body: dict) -> Reply:
        reply = json.loads(write_listing(body))
        if "雨伞" in body["messages"][1]["content"]:
            reply["title"] = "Umbrella that changes colour when wet " * 8
        return Reply(json.dumps(reply, ensure_ascii=False))

    run_batch(export(project), project / "results.jsonl", too_long)
    report = import_(project, project / "results.jsonl")
    assert (report.imported, report.rejected) == (3, 1)
    rejected = next(r for r in report.results if not r.copy_accepted)
    assert rejected.job.product.sku == "UM-88"
    assert rejected.rejection is not None and rejected.rejection.via == "batch"
    assert "shortened" in [f.check for f in rejected.rejection.reasons]
    summary = report.to_json()
    assert [(r["sku"], r["line"]) for r in summary["rejections"]] == [("UM-88", 4)]
    reasons = [f["check"] for f in summary["rejections"][0]["reasons"]]
    assert "shortened" in reasons and all(f["message"] for f in summary["rejections"][0]["reasons"])
    assert {"check": "shortened", "count": 1} in summary["top_reasons"]
    assert origins(project)["listing UM-88: 遇水变色雨伞"] == "model-rejected"
    assert origins(project)["listing GF-500: 腐熟羊粪有机肥"] == "model"

    result = run_cli("build", "catalog.xlsx")
    assert result.exit_code == 1, result.output
    assert server.requests == []  # kept as rejected: not bought again by the next build
    assert "in a batch reply" in " ".join(f["message"] for f in listings(project)["UM-88"]["findings"])
    result = run_cli("build", "catalog.xlsx", "--retry-rejected")
    assert result.exit_code == 0, result.output
    assert server.products() == ["遇水变色雨伞"]  # only the rejected one is asked again
    assert origins(project)["listing UM-88: 遇水变色雨伞"] == "model"


def test_error_lines_unknown_ids_and_lines_that_are_not_json_are_reported_not_raised(server, project):
    requests = export(project)
    run_batch(requests, project / "results.jsonl")
    results = {item["custom_id"].rsplit("-", 1)[1]: item for item in lines(project / "results.jsonl")}
    older = dict(results["101"], custom_id="0123456789abcdef01234567-amazon-de-OLD-1")
    expired = {"id": "batch_req_9", "custom_id": results["88"]["custom_id"], "response": None,
               "error": {"code": "batch_expired", "message": "This request could not be executed before the "
                                                             "completion window expired."}}
    empty = dict(results["M01"], response={"status_code": 200, "body": {"id": "x", "choices": []}})
    write_lines(project / "results.jsonl", [results["101"], older, "{half a line", expired, empty])

    report = import_(project, project / "results.jsonl")
    assert report.imported == 1 and report.lines == 5
    assert [(n.line, n.custom_id) for n in report.unknown] == [(2, older["custom_id"])]
    failed = {n.line: n.reason for n in report.failed}
    assert failed[3] == "not JSON"
    assert "batch_expired" not in failed[4] and "completion window expired" in failed[4]
    assert "no reply" in failed[5]
    assert [job.product.sku for job in report.missing] == ["GF-500"]  # no line at all
    summary = report.to_json()
    assert summary["missing"] == [{"sku": "GF-500", "market": "amazon-de"}] and summary["requests"] == 1
    assert sorted(asked(project)) == ["GF-500", "HF-M01", "UM-88"]  # asked again


def test_a_reply_that_is_not_the_json_asked_for_stores_nothing(server, project):
    run_batch(export(project), project / "results.jsonl",
              lambda body: Reply('{"title": "half') if "万用表" in body["messages"][1]["content"] else Reply())
    report = import_(project, project / "results.jsonl")
    assert report.imported == 3 and len(report.failed) == 1
    assert "reply could not be used" in report.failed[0].reason
    assert "listing ET-101: 数字万用表" not in origins(project)


def test_a_file_that_is_not_batch_results_is_one_input_error_naming_the_file_and_line(server, project):
    requests = export(project)
    garbage = project / "results.jsonl"
    garbage.write_text("<html>\nnot json\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"results\.jsonl: line 1: not JSON"):
        import_(project, garbage)
    with pytest.raises(InputError, match=r"requests\.jsonl: line 1 is a request, not a result"):
        import_(project, requests)
    garbage.write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        import_(project, garbage)
    garbage.write_bytes(b'{"custom_id": "a", "response": null}\n\xff\xfe\n')
    with pytest.raises(InputError, match="line 2 is not UTF-8"):
        import_(project, garbage)
    with pytest.raises(InputError, match="no such file"):
        import_(project, project / "nowhere.jsonl")


def test_importing_again_reports_held_lines_and_a_changed_plan_reports_stale_ones(server, project):
    run_batch(export(project), project / "results.jsonl")
    with planned(project) as (jobs, engine, memory):
        first = import_batch_results(project / "results.jsonl", jobs, engine, memory)
        again = import_batch_results(project / "results.jsonl", jobs, engine, memory)  # the same, stale jobs
    assert first.imported == 4
    assert again.imported == 0 and len(again.held) == 4
    later = import_(project, project / "results.jsonl")  # planned after the import: no job left
    assert later.imported == 0 and len(later.held) == 4 and later.unknown == []

    other = project / "other"
    other.mkdir()
    write_xlsx(other / "catalog.xlsx", ROWS)
    (other / "xborder.toml").write_text(CONFIG, encoding="utf-8")
    run_batch(export(other), other / "results.jsonl")
    with open_memory(load_config(other / "xborder.toml")) as memory:  # a person translated 碰击布 since
        memory.approve("碰击布", "Prallgewebe", "zh", "de")
    report = import_(other, other / "results.jsonl")
    assert report.imported == 3 and [n.custom_id.rsplit("-", 1)[1] for n in report.stale] == ["88"]
    assert asked(other) == ["UM-88"]  # its listing is asked again, without 碰击布


def test_the_same_request_twice_in_a_plan_is_one_line_that_serves_both(server, project):
    with planned(project) as (jobs, engine, memory):
        jobs = jobs + [jobs[1]]  # ET-101 twice: two catalogs with the same product under the same SKU
        assert len({custom_id(job, engine) for job in jobs}) == 4
        assert write_batch_file(jobs, engine, project / "requests.jsonl") == 4
        run_batch(project / "requests.jsonl", project / "results.jsonl")
        report = import_batch_results(project / "results.jsonl", jobs, engine, memory)
    assert report.imported == 5 and report.usage.requests == 4 and report.missing == []


def test_structured_output_in_the_config_chooses_the_mode_of_a_batch_and_of_a_live_run(server, project, run_cli):
    toml = project / "xborder.toml"
    toml.write_text(CONFIG + 'structured_output = "prompted"\n', encoding="utf-8")
    body = lines(export(project))[0]["body"]
    assert "response_format" not in body and "JSON Schema" in body["messages"][1]["content"]
    toml.write_text(CONFIG + 'structured_output = "json_object"\n', encoding="utf-8")
    assert lines(export(project))[0]["body"]["response_format"] == {"type": "json_object"}
    server.refuse = "schema"
    assert run_cli("build", "catalog.xlsx").exit_code == 0
    assert len(server.requests) == 4  # no request spent finding out that JSON schema is refused
    assert {b["response_format"]["type"] for b in server.requests} == {"json_object"}
    with pytest.raises(ConfigError, match="structured_output = 'xml' is not one of json_schema"):
        model_settings({"structured_output": "xml"})


def test_submit_status_and_collect_through_the_batch_api(server, project, run_cli):
    requests = export(project)
    server.script = [Reply(status=500, error="the model crashed")]  # the first request of the batch
    result = run_cli("batch", "submit", "requests.jsonl", "--json")
    assert result.exit_code == 0, result.output
    submitted = json.loads(result.stdout)
    assert submitted["requests"] == 4 and submitted["model"] == "test-model"
    batch_id = submitted["id"]
    uploaded = next(iter(server.files.values()))
    assert uploaded["purpose"] == "batch" and uploaded["data"] == requests.read_bytes()
    assert server.batches[batch_id]["metadata"]["xborder_version"]

    found = json.loads(run_cli("batch", "status", batch_id, "--json").stdout)
    assert found["status"] == "completed" and found["requests"] == {"total": 4, "completed": 3, "failed": 1}
    assert found["created_at"].endswith("+00:00") and found["expires_at"] > found["created_at"]
    assert server.batch_requests == [item["body"] for item in lines(requests)] and server.requests == []
    text = run_cli("batch", "status", batch_id)
    assert f"batch {batch_id}: completed, 3 of 4 requests answered, 1 failed" in text.output

    result = run_cli("batch", "collect", batch_id, "--output", "results.jsonl")
    assert result.exit_code == 0, result.output
    assert "results.jsonl: 4 results" in result.output
    report = import_(project, project / "results.jsonl")  # the output and the error file, as one
    assert report.imported == 3 and [n.reason for n in report.failed] == ["HTTP 500: the model crashed"]
    assert KEY not in result.output


def test_a_batch_still_running_an_unknown_batch_and_a_refused_key_are_one_line_each(server, project, run_cli):
    export(project)
    server.batch_hold = 2
    batch_id = json.loads(run_cli("batch", "submit", "requests.jsonl", "--json").stdout)["id"]
    assert json.loads(run_cli("batch", "status", batch_id, "--json").stdout)["status"] == "in_progress"
    result = run_cli("batch", "collect", batch_id, "--output", "results.jsonl")
    assert result.exit_code == 1 and "is in_progress (0 of 0 requests answered)" in result.stderr
    assert not (project / "results.jsonl").exists()

    result = run_cli("batch", "status", "batch_nope")
    assert result.exit_code == 3 and result.stderr.count("\n") == 1 and "has no batch 'batch_nope'" in result.stderr

    server.api_key = "sk-the-right-one"
    result = run_cli("batch", "submit", "requests.jsonl")
    assert result.exit_code == 3 and "refused the API key (HTTP 401)" in result.stderr
    assert "Traceback" not in result.output and KEY[3:15] not in result.output and KEY[-12:] not in result.output


def test_submit_refuses_a_file_that_is_not_a_batch_of_requests(server, project, run_cli):
    requests = export(project)
    run_batch(requests, project / "results.jsonl")
    result = run_cli("batch", "submit", "results.jsonl")
    assert result.exit_code == 2 and "results.jsonl: line 1 is a batch result" in result.stderr
    items = lines(requests)
    write_lines(project / "twice.jsonl", [items[0], items[0]])
    with pytest.raises(InputError, match="line 2 repeats the custom_id"):
        check_batch_file(project / "twice.jsonl")
    write_lines(project / "two-models.jsonl", [items[0], dict(items[1], body=dict(items[1]["body"], model="other"))])
    with pytest.raises(InputError, match="asks 2 models"):
        check_batch_file(project / "two-models.jsonl")
    (project / "none.jsonl").write_text("", encoding="utf-8")
    result = run_cli("batch", "submit", "none.jsonl")
    assert result.exit_code == 2 and "no requests in it" in result.stderr
    assert server.files == {}


def test_the_prompt_of_a_batch_line_is_the_products(server, project):
    items = lines(export(project))
    names = sorted(prompt_parts(item["body"])[1]["product"]["name"] for item in items)
    assert names == sorted(row[1] for row in ROWS[1:])
