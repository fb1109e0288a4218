"""`xborder batch …`: a build's model requests through the provider's Batch API (half the price, 24 hours)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from xborder.cli.app import cli
from xborder.cli.common import config_option, console, legacy_o_option, chosen_output, print_json, project_config
from xborder.engines.batch import BatchClient, check_batch_file
from xborder.engines.model import model_settings

json_option = click.option("--json", "as_json", is_flag=True, help="The batch as JSON on stdout.")


def _client(config_path: Path | None) -> BatchClient:
    """The endpoint and key of the project's builds: [model] base_url, OPENAI_BASE_URL, OPENAI_API_KEY."""
    config = project_config(config_path, [])
    return BatchClient(model_settings(config.model, "xborder.toml [model]"))


def _counts(found: dict[str, Any]) -> str:
    counts = found["requests"]
    text = f"{counts['completed']} of {counts['total']} requests answered"
    return text + (f", {counts['failed']} failed" if counts["failed"] else "")


@cli.group()
def batch() -> None:
    """Model requests at half the price through the provider's Batch API, answered within 24 hours.

    \b
      xborder build catalog.xlsx --batch-out requests.jsonl   write the requests, ask nothing
      xborder batch submit requests.jsonl                     upload them and start the batch
      xborder batch status BATCH_ID                           how far it is
      xborder batch collect BATCH_ID -o results.jsonl         download the replies
      xborder build catalog.xlsx --batch-in results.jsonl     keep them and build the listings

    The endpoint and key are the build's (OPENAI_BASE_URL, OPENAI_API_KEY, [model] base_url). A local
    vLLM answers the same file without this: vllm run-batch -i requests.jsonl -o results.jsonl --model NAME
    """


@batch.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@json_option
@config_option
def submit(file: Path, as_json: bool, config_path: Path | None) -> None:
    """Upload FILE (a batch file a build wrote) and start the batch; prints its id."""
    requests, model = check_batch_file(file)
    with _client(config_path) as client:
        batch_id = client.submit(file, (requests, model))
    if as_json:
        print_json({"id": batch_id, "file": str(file), "requests": requests, "model": model})
        return
    console().print(f"batch {batch_id}: {requests} requests to {model} submitted from {file}; answered within 24 "
                    f"hours. Next: xborder batch status {batch_id}", highlight=False)


@batch.command()
@click.argument("batch_id")
@json_option
@config_option
def status(batch_id: str, as_json: bool, config_path: Path | None) -> None:
    """Where batch BATCH_ID is: validating, in_progress, finalizing, completed, failed, expired or cancelled."""
    with _client(config_path) as client:
        found = client.status(batch_id)
    if as_json:
        print_json(found)
        return
    out = console()
    out.print(f"batch {found['id']}: {found['status']}, {_counts(found)}", highlight=False)
    out.print(f"created {found['created_at'] or '?'}, expires {found['expires_at'] or '?'}"
              + (f", ended {found['completed_at']}" if found["completed_at"] else ""), highlight=False)
    for error in found["errors"]:
        out.print(f"[red]error[/]: {error}", highlight=False)
    if found["status"] in ("completed", "expired", "cancelled"):
        out.print(f"Next: xborder batch collect {found['id']} --output results.jsonl", highlight=False)


@batch.command()
@click.argument("batch_id")
@click.option("--output", "out", type=click.Path(path_type=Path, dir_okay=False),
              help="The results file to write (JSON Lines), for `xborder build --batch-in`.  [required]")
@legacy_o_option
@json_option
@config_option
def collect(batch_id: str, out: Path | None, legacy_output: Path | None, as_json: bool,
            config_path: Path | None) -> None:
    """Download the replies of a finished batch (its results and its errors) into one file.

    Exit 1 while the batch is still running; 3 when it failed or the provider refused."""
    out = chosen_output(out, legacy_output, required=True)
    assert out is not None
    with _client(config_path) as client:
        found = client.collect(batch_id, out)
    if as_json:
        print_json(found)
        return
    console().print(f"{out}: {found['lines']} results of batch {batch_id} ({found['status']}, {_counts(found)}). "
                    f"Next: xborder build … --batch-in {out}", highlight=False)
