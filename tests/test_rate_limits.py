"""Provider rate limits: kept before sending when [model] names them, survived through Retry-After when not.

The scripted server counts requests and tokens in a sliding window, as providers do per minute; these
tests shorten the window to a second or two so a build takes seconds. Nothing here is timed.
"""

from __future__ import annotations

import openai
import pytest

from conftest import one_line_error, write_xlsx
from test_model_engine import CONFIG, ROWS, listings, report, write_model_project


@pytest.fixture
def project(tmp_path):
    return write_model_project(tmp_path)

BOXES = [[f"BX-{n}", f"{n}号收纳盒", "", "塑料", "9", "红色", ""] for n in range(80)]  # storage boxes


def catalog(project, products: int) -> None:
    write_xlsx(project / "catalog.xlsx", (ROWS + BOXES)[:products + 1])


def configure(project, extra: str) -> None:
    text = CONFIG.replace("concurrency = 2", "concurrency = 4") + extra
    (project / "xborder.toml").write_text(text, encoding="utf-8")


def accepted(server) -> int:
    return len(server.requests) - server.throttled


def test_the_server_refuses_what_is_over_its_limit_with_retry_after(server):
    server.rpm, server.window = 1, 30.0
    client = openai.OpenAI(api_key="sk-test", base_url=server.url, max_retries=0)
    messages = [{"role": "system", "content": "Reply with JSON only."}, {"role": "user", "content": "ok"}]
    client.chat.completions.create(model="test-model", messages=messages)  # type: ignore[arg-type]
    with pytest.raises(openai.RateLimitError) as refused:
        client.chat.completions.create(model="test-model", messages=messages)  # type: ignore[arg-type]
    assert 0 < float(refused.value.response.headers["retry-after"]) <= 30
    assert refused.value.body["code"] == "rate_limit_exceeded" and "(RPM): 1" in refused.value.body["message"]
    assert server.throttled == 1 and accepted(server) == 1


def test_a_build_under_a_configured_request_limit_gets_no_429s(server, project, run_cli):
    server.rpm, server.window, server.latency = 8, 2.0, 0.05  # 8 per 2 s: 240 a minute
    catalog(project, 12)
    configure(project, "requests_per_minute = 240\n")
    result = run_cli("build", "catalog.xlsx")
    assert result.exit_code == 0, result.output
    # none, or one: a process's first request pays the HTTP client's setup and can arrive late enough that
    # the one a window after it finds the window full (the pacing's margin here is 3% of 2 s)
    assert server.throttled <= 1
    assert accepted(server) == 12 and report(project)["usage"]["requests"] == 12 + server.throttled
    assert all(not item["pending"] for item in listings(project).values())


def test_a_build_under_a_configured_token_limit_gets_no_429s(server, project, run_cli):
    # about 2,400 tokens a request (prompt and answer): some 38 requests a window, 80 requests over more than
    # two windows. The limiter keeps one request's tokens spare per minute; a window of 2 s (46,000 tokens a second,
    # as configured per minute) leaves the pacing's 3% margin, 2,760 tokens, room for the start of one more request
    server.tpm, server.window, server.latency = 92_000, 2.0, 0.02
    catalog(project, 80)
    configure(project, "tokens_per_minute = 2760000\nmax_output_tokens = 500\n")
    result = run_cli("build", "catalog.xlsx")
    assert result.exit_code == 0, result.output
    assert report(project)["usage"]["tokens"] > 1.5 * server.tpm  # the limit did hold the build back
    assert server.throttled <= 1
    assert accepted(server) == 80
    assert all(not item["pending"] for item in listings(project).values())


def test_a_limit_nobody_configured_is_survived_through_retry_after(server, project, run_cli):
    server.rpm, server.window, server.latency = 4, 1.0, 0.05
    catalog(project, 12)
    configure(project, "")
    result = run_cli("build", "catalog.xlsx")
    assert result.exit_code == 0, result.output
    assert server.throttled > 0  # refused, waited as asked, asked again
    assert accepted(server) == 12
    assert all(not item["pending"] for item in listings(project).values())


@pytest.mark.parametrize("setting, value, says", [
    ("requests_per_minute", "0", "must be a whole number above 0"),
    ("requests_per_minute", "-60", "must be a whole number above 0"),
    ("tokens_per_minute", '"abc"', "is not a number"),
    ("tokens_per_minute", "1.5", "must be a whole number above 0"),
])
def test_a_limit_that_is_not_a_whole_number_above_0_is_one_clear_line(server, project, run_cli, setting, value,
                                                                    says):
    configure(project, f"{setting} = {value}\n")
    result = run_cli("build", "catalog.xlsx")
    one_line_error(result, f"[model] {setting} = ", says)
    assert server.requests == []
