"""Endpoint discipline (issue 21): an endpoint that misbehaves costs a bounded time, never the key, never more
than the budget, and ends in one clear line. Each test starts the scripted server on 127.0.0.1 and has it
misbehave; waits and deadlines are made short so that nothing here takes more than a few seconds."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FAKE_KEY, one_line_error
from test_model_engine import CONFIG, write_model_project
from xborder.engines.engine import RunControl
from xborder.engines.model import model_settings
from xborder.errors import ConfigError

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


# --- 7. a token budget is kept before sending, also with requests in flight -----------------------------------

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
