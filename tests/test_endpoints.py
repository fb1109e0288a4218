"""Endpoint discipline (issue 21): an endpoint that misbehaves costs a bounded time, never the key, never more
than the budget, and ends in one clear line. Each test starts the scripted server on 127.0.0.1 and has it
misbehave; waits and deadlines are made short so that nothing here takes more than a few seconds."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FAKE_KEY, one_line_error, write_xlsx
from fake_openai import Reply, prompt_parts, run_batch, write_listing
from test_model_engine import CONFIG, ROWS, listings, report, write_model_project
from xborder.engines.engine import RunControl
from xborder.engines.model import (KEY_MARKER, KeyInReply, ModelEngine, RateGate, model_settings, retry_after)
from xborder.errors import ConfigError
from xborder.settings import ModelSettings

KEY = FAKE_KEY
BOXES = [[f"BX-{n}", f"{n}号收纳盒", "", "塑料", "9", "红色", ""] for n in range(12)]


@pytest.fixture
def project(tmp_path):
    return write_model_project(tmp_path)


def configure(project: Path, **settings: object) -> None:
    """The tests' project with [model] settings replaced or added."""
    lines = [line for line in CONFIG.splitlines() if line.split(" = ")[0] not in settings]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    (project / "xborder.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def within(seconds: float, run: Callable[[], object]) -> tuple[object, float]:
    """run()'s result and how long it took; fails (rather than hangs) when it takes more than `seconds`."""
    out: list[object] = []
    began = time.monotonic()
    worker = threading.Thread(target=lambda: out.append(run()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s"
    return out[0], time.monotonic() - began


def stored(project: Path) -> list[bytes]:
    """Every file the project holds after a build: outputs, report, memory and its cache."""
    return [p.read_bytes() for p in project.rglob("*") if p.is_file()]


# --- 1. every wait is capped by max_wait ---------------------------------------------------------------------

@pytest.mark.parametrize("status, headers", [
    (429, {"Retry-After": "100000"}),
    (429, {"retry-after-ms": "99999999"}),
    (429, {"Retry-After": "Thu, 01 Jan 2099 00:00:00 GMT"}),
    (503, {"Retry-After": "100000"}),
], ids=["seconds", "milliseconds", "date-2099", "503-seconds"])
def test_a_wait_an_endpoint_asks_for_lasts_max_wait_at_most(server, project, run_cli, status, headers):
    configure(project, max_wait=0.5)
    server.script = [Reply(status=status, error="slow down", headers=headers)]
    result, took = within(20, lambda: run_cli("build", "catalog.xlsx"))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert took < 8  # one wait of max_wait (0.5 s), not 100,000 s
    assert len(server.requests) == 5 and all(not item["pending"] for item in listings(project).values())


def test_retry_after_reads_every_form_and_the_gate_caps_it():
    class Refusal(Exception):
        def __init__(self, headers: dict[str, str]):
            self.response = type("Response", (), {"headers": headers})()

    assert retry_after(Refusal({"retry-after": "Thu, 01 Jan 2099 00:00:00 GMT"})) > 10 ** 9  # type: ignore[operator]
    assert retry_after(Refusal({"retry-after-ms": "1500"})) == 1.5
    assert retry_after(Refusal({"retry-after-ms": "nan"})) is None
    assert retry_after(Refusal({"retry-after": "soon"})) is None
    gate = RateGate(max_wait=0.2)
    for _ in range(10):
        gate.slow_down(100_000)  # the spacing between requests grows too, never past max_wait
    began = time.monotonic()
    gate.wait()
    assert time.monotonic() - began < 0.5


# --- 2. a total deadline per request besides the timeout for silence -------------------------------------------

def test_a_reply_that_trickles_in_is_cut_at_the_request_deadline(server, project, run_cli):
    write_xlsx(project / "catalog.xlsx", ROWS[:2])
    configure(project, timeout=1, request_deadline=1.5, retries=0)
    server.default = Reply(drip=0.3)  # a byte every 0.3 s: never silent for the 1 s timeout
    result, took = within(20, lambda: run_cli("build", "catalog.xlsx"))
    assert result.exit_code == 3, result.output  # type: ignore[attr-defined]
    assert took < 6
    finding = listings(project)["GF-500"]["findings"][0]["message"]
    assert "request_deadline = 1.5 s" in finding and "kept sending" in finding


def test_a_body_that_is_not_streamed_gets_the_deadline_of_a_reply_that_is_not(server, project, run_cli):
    # streamed, the default deadline allows time for writing the longest answer; a plain JSON body that drips in a
    # byte at a time writes no tokens, so it gets two timeouts in all, as a reply that is not streamed does
    write_xlsx(project / "catalog.xlsx", ROWS[:2])
    configure(project, timeout=1, retries=0)
    server.stream, server.default = False, Reply(drip=0.3)
    result, took = within(20, lambda: run_cli("build", "catalog.xlsx"))
    assert result.exit_code == 3, result.output  # type: ignore[attr-defined]
    assert took < 6


def test_the_deadline_is_a_setting_of_its_own_derived_from_the_timeout_when_left_out():
    assert ModelSettings(timeout=30, stream=False).deadline == 60
    # streamed: two silences plus the longest answer written at min_tokens_per_second (a slow local model finishes)
    assert ModelSettings(timeout=30, max_output_tokens=4096, min_tokens_per_second=2).deadline == 60 + 2048
    settings = model_settings({"timeout": 30, "request_deadline": 3600})
    assert (settings.timeout, settings.deadline) == (30, 3600)  # a slow model: short silences, a long whole


# --- 3. a 429 storm gives up after give_up_after seconds -------------------------------------------------------

def test_a_429_storm_gives_up_after_its_time_with_one_line_and_keeps_what_was_built(server, project, run_cli):
    configure(project, concurrency=1, retries=100, max_wait=0.2, give_up_after=1)
    server.script = [Reply()]  # the first product is built, then the endpoint refuses everything
    server.default = Reply(status=429, error="Rate limit reached for test-model", headers={"Retry-After": "1"})
    result, took = within(20, lambda: run_cli("build", "catalog.xlsx"))
    assert result.exit_code == 3, result.output  # type: ignore[attr-defined]
    assert took < 6
    stderr = result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    said = [line for line in stderr.splitlines() if "refused every request" in line]
    assert len(said) == 1, stderr
    assert server.url in said[0] and "HTTP 429" in said[0] and "Rate limit reached" in said[0]
    assert "give_up_after = 1 s" in said[0] and "build again later" in said[0]
    items = listings(project)  # the build's outputs are written, with what it had
    assert not items["GF-500"]["pending"] and items["UM-88"]["pending"]
    assert report(project)["usage"]["stopped"] == "provider"

    server.default, asked = Reply(), len(server.requests)
    assert run_cli("build", "catalog.xlsx").exit_code == 0
    assert "腐熟羊粪有机肥" not in [prompt_parts(b)[1]["product"]["name"] for b in server.requests[asked:]]


def test_an_endpoint_that_answers_nothing_stops_after_give_up_after_however_many_retries(server, project, run_cli):
    configure(project, concurrency=1, retries=1000, retry_wait=0.05, max_wait=0.2, give_up_after=1)
    server.script = [Reply()]  # the first product is built, then every request fails with a 502
    server.default = Reply(status=502, error="Bad gateway")
    result, took = within(20, lambda: run_cli("build", "catalog.xlsx"))
    assert result.exit_code == 3, result.output  # type: ignore[attr-defined]
    assert took < 8
    said = [line for line in result.stderr.splitlines() if "gave no reply" in line]  # type: ignore[attr-defined]
    assert len(said) == 1 and server.url in said[0] and "give_up_after = 1 s" in said[0]
    items = listings(project)
    assert not items["GF-500"]["pending"] and items["UM-88"]["pending"]


def test_a_key_without_quota_stops_at_once(server, project, run_cli):
    server.default = Reply(status=429, error="You exceeded your current quota", code="insufficient_quota")
    result = run_cli("build", "catalog.xlsx")
    assert result.exit_code == 3, result.output
    assert len(server.requests) <= 2  # the requests in flight (concurrency 2), none retried
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no quota left" in lines[0]


# --- 4. impossible limits are refused when the settings are read ----------------------------------------------

@pytest.mark.parametrize("settings, says", [
    ({"tokens_per_minute": 1}, "tokens_per_minute = 1 is less than one request takes"),
    ({"tokens_per_minute": 3000}, "lower max_output_tokens"),
    ({"requests_per_minute": 0}, "must be a whole number above 0"),
    ({"timeout": 0}, "timeout must be above 0"),
    ({"timeout": -1}, "must be a number of 0 or more"),
    ({"request_deadline": 0}, "request_deadline must be above 0"),
    ({"request_deadline": 2}, "request_deadline = 2 s is shorter than timeout = 5 s"),
    ({"max_wait": 0.001}, "max_wait = 0.001 s is shorter than retry_wait = 0.01 s"),
    ({"give_up_after": 0}, "give_up_after must be above 0"),
    ({"max_wait": 1e12}, "more than a day"),
    ({"retries": 1.5}, "must be a whole number"),
    ({"concurrency": 100000}, "must be from 1 to 256"),
], ids=lambda value: "-".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else "")
def test_an_impossible_limit_is_one_clear_line_before_any_request(server, project, run_cli, settings, says):
    configure(project, **settings)
    result = run_cli("build", "catalog.xlsx")
    one_line_error(result, "[model]", says)
    assert server.requests == []


def test_the_settings_check_is_the_one_the_python_api_gets():
    with pytest.raises(ConfigError, match="less than one request takes"):
        model_settings({"tokens_per_minute": 1})
    assert model_settings({"tokens_per_minute": 6000, "max_output_tokens": 1000}).tokens_per_minute == 6000


# --- 5. doctor with an endpoint that answers HTML --------------------------------------------------------------

@pytest.mark.parametrize("where", ["everything", "chat"])
def test_doctor_with_an_endpoint_that_answers_html_is_one_line_and_exit_3(server, project, run_cli, where):
    page = b"<!DOCTYPE html><html><body><form>Log in to the Wi-Fi</form></body></html>"
    if where == "everything":
        server.page = page
    else:
        server.default = Reply(raw=page)
    result = run_cli("doctor")
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    problems = [line for line in result.output.splitlines() if line.startswith("problem")]
    assert len(problems) == 1 and "not JSON" in problems[0] or "not a chat completion" in problems[0]
    assert server.url in problems[0] and "OPENAI_BASE_URL" in problems[0]
    found = json.loads(run_cli("doctor", "--json").stdout)
    assert not found["ok"] and found["error"] == problems[0].split(": ", 1)[1]


# --- 6. the API key never goes from a reply into anything stored or written ------------------------------------

def test_an_endpoint_that_echoes_the_key_gets_its_reply_refused_and_the_key_is_nowhere(server, project, run_cli):
    def echoing(body: dict) -> Reply:
        reply = json.loads(write_listing(body))
        if prompt_parts(body)[1]["product"]["name"] == "遇水变色雨伞":
            reply["title"] += " {authorization}"
            reply["description"] += " (sent with {authorization})"
        return Reply(json.dumps(reply, ensure_ascii=False), echo=True)

    server.default = echoing
    result = run_cli("build", "catalog.xlsx")
    assert result.exit_code == 3, result.output  # the endpoint's fault
    for data in stored(project):
        assert KEY.encode() not in data and KEY[8:20].encode() not in data
    assert KEY[8:20] not in result.output
    item = listings(project)["UM-88"]
    assert item["pending"] and "holds the API key" in item["findings"][0]["message"]
    assert all(not listings(project)[sku]["pending"] for sku in ("GF-500", "ET-101", "HF-M01"))
    umbrella = [b for b in server.requests if "遇水变色雨伞" in b["messages"][1]["content"]]
    assert len(umbrella) == 1  # an endpoint that echoes the key is not asked again


def test_a_batch_reply_that_holds_the_key_is_refused_too(server, tmp_path, run_cli):
    import test_batch

    project = tmp_path
    write_xlsx(project / "catalog.xlsx", test_batch.ROWS)
    (project / "xborder.toml").write_text(test_batch.CONFIG, encoding="utf-8")

    def echoing(body: dict) -> Reply:
        reply = json.loads(write_listing(body))
        reply["title"] += f" Bearer {KEY}"
        return Reply(json.dumps(reply, ensure_ascii=False))

    run_batch(test_batch.export(project), project / "results.jsonl", echoing)
    imported = test_batch.import_(project, project / "results.jsonl")
    assert imported.imported == 0 and len(imported.failed) == 4
    assert all("holds the API key" in note.reason for note in imported.failed)
    with sqlite3.connect(project / ".xborder" / "memory.sqlite") as db:
        assert not [row for row in db.execute("SELECT target FROM cache") if KEY[8:20] in row[0]]


def test_the_door_replies_come_in_by_strikes_the_key_out(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    engine = ModelEngine(ModelSettings(name="test-model"))
    assert engine.received('{"title": "Umbrella"}') == '{"title": "Umbrella"}'
    for echoed in (KEY, f"Bearer {KEY}", KEY[4:20]):
        with pytest.raises(KeyInReply) as refused:
            engine.received(f'{{"title": "Umbrella {echoed}"}}')
        assert KEY_MARKER in str(refused.value) and KEY[8:20] not in str(refused.value)


# --- 7. a token budget is kept before sending, also with requests in flight -----------------------------------

def test_a_token_budget_below_one_request_sends_nothing(server, project, run_cli):
    configure(project, concurrency=4)
    result = run_cli("build", "catalog.xlsx", "--max-tokens", "300")
    assert result.exit_code == 4, result.output
    assert server.requests == [] and report(project)["usage"]["stopped"] == "budget"


def test_concurrent_requests_stay_within_the_token_budget(server, project, run_cli):
    write_xlsx(project / "catalog.xlsx", ROWS + BOXES)
    configure(project, concurrency=4, max_output_tokens=1000)
    server.latency = 0.05
    result = run_cli("build", "catalog.xlsx", "--max-tokens", "12000")
    assert result.exit_code == 4, result.output
    usage = report(project)["usage"]
    assert 2 <= usage["requests"] < 16 and usage["tokens"] <= 12000, usage
    assert len(server.requests) == usage["requests"]


def test_the_budget_waits_for_the_requests_in_flight_before_it_says_no():
    control = RunControl(max_tokens=1000)
    assert control.take_request(600)
    answers: list[bool] = []
    second = threading.Thread(target=lambda: answers.append(control.take_request(600)))
    second.start()
    time.sleep(0.1)
    assert answers == []  # 600 reserved and 600 more would pass 1000: it waits for the first reply
    control.settle(600, 300, 50)  # the first cost 350
    second.join(2)
    assert answers == [True]
    control.settle(600, 300, 50)  # 700 used: a third of 600 would pass the budget
    assert not control.take_request(600) and control.stop_reason == "budget"
    assert control.usage.tokens == 700 and control.usage.requests == 2


def test_a_stop_message_reaches_the_report_line():
    control = RunControl()
    control.stop("provider", "the endpoint refused everything")
    control.stop("budget", "later reasons do not replace it")
    assert (control.stop_reason, control.stop_message) == ("provider", "the endpoint refused everything")
    assert re.search("refused", control.stop_message)
