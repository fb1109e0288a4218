"""`xborder doctor`: is the model endpoint there, does it have the model, which JSON replies does it take."""

from __future__ import annotations

from pathlib import Path

import click

from xborder.cli.app import cli
from xborder.cli.common import config_option, console, print_json, project_config
from xborder.status import ExitStatus
from xborder.engines.model import check_endpoint, model_settings

_MODES = {"json_schema": "yes: JSON-schema replies (response_format json_schema)",
          "json_object": "no JSON schema; JSON mode (response_format json_object) works and is used",
          "prompted": "neither JSON schema nor JSON mode; JSON is asked for in the prompt and read tolerantly"}


@cli.command()
@click.option("--model", "model_name", metavar="NAME", help="Model name (default: [model] name).")
@click.option("--json", "as_json", is_flag=True, help="The findings as JSON on stdout.")
@config_option
def doctor(model_name: str | None, as_json: bool, config_path: Path | None) -> None:
    """Check the model endpoint (OPENAI_BASE_URL, OPENAI_API_KEY): that it answers, that it has the model, and
    whether it accepts JSON-schema replies. Makes at most a few tiny requests. Exit 0 when usable, 3 when not."""
    config = project_config(config_path, [])
    settings = model_settings(config.model, "xborder.toml [model]")
    settings = model_settings({"name": model_name} if model_name else {}, "the command line", base=settings)
    found = check_endpoint(settings)
    if as_json:
        print_json(found.to_json())
    else:
        out = console()
        out.print(f"endpoint: {found.base_url}", highlight=False)
        if found.models:
            listed = "listed" if found.model in found.models else "[red]not listed[/]"
            out.print(f"model: {found.model} ({listed}); the endpoint has {', '.join(found.models[:20])}"
                      + (" …" if len(found.models) > 20 else ""), highlight=False)
        if found.structured_output:
            out.print(f"structured output: {_MODES[found.structured_output]}", highlight=False)
        if found.error:
            out.print(f"[red]problem[/]: {found.error}", highlight=False, soft_wrap=True)  # one line, however long
    if not found.ok:
        raise SystemExit(ExitStatus.PROVIDER_FAILURE)
