"""Local models that finish (issue 24, item 5): replies are streamed and time out on silence between tokens, not on
the total time; the structured-output mode is found once and remembered per endpoint and model in the memory; a
server with one model needs no --model; `xborder doctor` says how fast the model writes.

Every test runs the scripted server (tests/fake_openai.py) on 127.0.0.1; its streamed replies come at a set number
of tokens per second. Times are scaled down so the suite stays fast (see each test)."""

from __future__ import annotations

import json
import sqlite3

from conftest import write_xlsx
from fake_openai import Reply
from test_endpoints import configure, within
from test_model_engine import CONFIG, ROWS, listings, write_model_project

import pytest


@pytest.fixture
def project(tmp_path):
    return write_model_project(tmp_path)


def schema_requests(server) -> int:
    """How many chat requests asked for a JSON-schema reply (the first mode tried when none is known)."""
    return sum((body.get("response_format") or {}).get("type") == "json_schema" for body in server.requests)


# --- streaming: a slow model that keeps writing finishes ------------------------------------------------------

def test_a_listing_of_600_tokens_at_a_slow_pace_completes_where_the_total_timeout_would_have_cut_it(
        server, project, run_cli):
    """The acceptance line, scaled 20 times faster: a CPU model writing 10 tokens/s takes 60 s for a 600-token
    listing; here the server writes 200 tokens/s (3 s for 600 tokens) and a reply may be silent 1 s (`timeout`),
    so the old total deadline, 2 × timeout = 2 s, would have cut the reply; streamed, it completes in one try."""
    write_xlsx(project / "catalog.xlsx", ROWS[:2])
    configure(project, timeout=1, retries=0)
    server.default = Reply(tokens=600, tokens_per_second=200)
    result, took = within(30, lambda: run_cli("build", "catalog.xlsx"))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert took > 2  # longer than the old total deadline (2 × timeout)
    assert len(server.requests) == 1 and server.requests[0]["stream"] is True
    assert server.requests[0]["stream_options"] == {"include_usage": True}
    item = listings(project)["GF-500"]
    assert not item["pending"] and item["title"]
    usage = json.loads((project / "dist" / "report.json").read_text(encoding="utf-8"))["usage"]
    assert usage["completion_tokens"] == 600  # the usage the last chunk reported


def test_the_same_reply_not_streamed_times_out_on_its_silence(server, project, run_cli):
    """The contrast (scaled as above): not streamed, the server is silent for the 3 s it writes, longer than the 1 s
    timeout, and the reply is lost; this is what a CPU model did before replies were streamed."""
    write_xlsx(project / "catalog.xlsx", ROWS[:2])
    configure(project, timeout=1, retries=0, stream="false")
    server.default = Reply(tokens=600, tokens_per_second=200)
    result, took = within(30, lambda: run_cli("build", "catalog.xlsx"))
    assert result.exit_code == 3, result.output  # type: ignore[attr-defined]
    assert "stream" not in server.requests[0]
    assert "within 1 s" in listings(project)["GF-500"]["findings"][0]["message"]


def test_keep_alive_bytes_without_a_token_are_silence(server, project, run_cli):
    """A server that sends SSE comments (": ping", one a second) but no token times out after `timeout`, though
    bytes keep coming: the silence allowed is between tokens."""
    write_xlsx(project / "catalog.xlsx", ROWS[:2])
    configure(project, timeout=1.5, retries=0)
    server.default = Reply(pings=4)
    result, took = within(30, lambda: run_cli("build", "catalog.xlsx"))
    assert result.exit_code == 3, result.output  # type: ignore[attr-defined]
    assert took < 3.5
    assert "within 1.5 s" in listings(project)["GF-500"]["findings"][0]["message"]


def test_a_server_that_refuses_stream_options_is_asked_without_them_and_usage_is_counted(server, project, run_cli):
    server.stream_options = False  # an older server: HTTP 400 to the option
    result = run_cli("build", "catalog.xlsx")
    assert result.exit_code == 0, result.output
    with_options = [body for body in server.requests if "stream_options" in body]
    assert len(with_options) == 1  # refused once, then never sent again this run
    assert len(server.requests) == 5  # the refused one, then one per product
    assert all(not item["pending"] for item in listings(project).values())
    usage = json.loads((project / "dist" / "report.json").read_text(encoding="utf-8"))["usage"]
    assert usage["completion_tokens"] > 0  # counted from the text, as no usage came


def test_a_server_that_answers_without_streaming_is_read_as_before(server, project, run_cli):
    server.stream = False  # it ignores stream=true and sends one JSON body
    result = run_cli("build", "catalog.xlsx")
    assert result.exit_code == 0, result.output
    assert len(server.requests) == 4 and all(not item["pending"] for item in listings(project).values())


# --- the structured-output mode is found once and remembered ---------------------------------------------------

def second_catalog(project) -> None:
    write_xlsx(project / "second.xlsx", [ROWS[0], ["TB-01", "保温杯", "500ml", "不锈钢", "30", "黑色", "保温"]])


def test_a_second_catalog_in_the_same_run_and_the_next_run_make_no_mode_probe(server, project, run_cli):
    server.refuse = "schema"  # as llama.cpp: HTTP 500 to a JSON schema, JSON mode works
    second_catalog(project)
    write_xlsx(project / "third.xlsx", [ROWS[0], ["TB-02", "保温杯", "1L", "不锈钢", "40", "白色", "保温"]])
    result = run_cli("build", "catalog.xlsx", "second.xlsx")
    assert result.exit_code == 0, result.output
    assert schema_requests(server) == 1  # found once for both catalogs
    kept = sqlite3.connect(project / ".xborder" / "memory.sqlite").execute(
        "SELECT base_url, model, value FROM endpoints WHERE setting = 'structured_output'").fetchall()
    assert kept == [(server.url, "test-model", "json_object")]

    asked = len(server.requests)
    result = run_cli("build", "third.xlsx")  # the next run
    assert result.exit_code == 0, result.output
    assert schema_requests(server) == 1 and len(server.requests) == asked + 1  # one request, no probe
    assert server.requests[-1]["response_format"] == {"type": "json_object"}


def test_a_remembered_mode_the_endpoint_now_refuses_is_found_again(server, project, run_cli):
    assert run_cli("build", "catalog.xlsx").exit_code == 0  # json_schema, remembered
    server.refuse = "schema"  # the server was changed
    second_catalog(project)
    result = run_cli("build", "second.xlsx")
    assert result.exit_code == 0, result.output
    assert [(b.get("response_format") or {}).get("type") for b in server.requests[4:]] == ["json_schema",
                                                                                            "json_object"]
    assert not listings(project)["TB-01"]["pending"]


# --- a server with one model needs no --model -----------------------------------------------------------------

def without_model_name(project) -> None:
    (project / "xborder.toml").write_text(CONFIG.replace('name = "test-model"\n', ""), encoding="utf-8")


def test_a_server_with_one_model_needs_no_model_named(server, project, run_cli):
    without_model_name(project)
    result = run_cli("build", "catalog.xlsx")
    assert result.exit_code == 0, result.output
    said = [line for line in result.stderr.splitlines() if "the only model" in line]
    assert said == [f"xborder: model: test-model, the only model {server.url} lists"]
    assert {body["model"] for body in server.requests} == {"test-model"}


def test_a_server_with_several_models_asks_for_one_by_name(server, project, run_cli):
    without_model_name(project)
    server.models = ["qwen2.5:7b", "llama3.2:3b"]
    result = run_cli("build", "catalog.xlsx")
    assert result.exit_code == 2, result.output
    assert "name the model" in result.stderr and "llama3.2:3b, qwen2.5:7b" in result.stderr
    assert server.requests == []


# --- doctor: how fast the model writes -----------------------------------------------------------------------

def test_doctor_reports_tokens_per_second_and_how_long_a_listing_takes(server, project, run_cli):
    """The server writes 100 tokens/s; doctor's short reply (about 70 tokens) takes some 0.7 s, and a listing of
    600 tokens about 6 s."""
    server.tokens_per_second = 100
    found = json.loads(run_cli("doctor", "--json").stdout)
    assert found["ok"]
    assert 40 < found["tokens_per_second"] <= 105  # the pace the server keeps, less what a busy machine loses
    assert found["listing_tokens"] == 600
    assert found["listing_seconds"] == pytest.approx(600 / found["tokens_per_second"] + found["first_token_seconds"],
                                                     abs=0.2)
    result = run_cli("doctor")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("speed:"))
    assert "tokens/s" in line and "one listing (about 600 tokens) takes about" in line and "max_output_tokens" in line
