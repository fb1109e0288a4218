"""`xborder doctor`: is the model endpoint there, does it have the model, which JSON replies does it take, how fast."""

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
    whether it accepts JSON-schema replies; and how fast the model writes (tokens per second) and so how long one
    listing takes. Makes at most a few small requests. Exit 0 when usable, 3 when not."""
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
        if found.tokens_per_second:
            longest = _duration(found.listing_seconds(found.max_output_tokens))
            out.print(f"speed: {found.tokens_per_second:.1f} tokens/s (the first after {found.first_token_seconds:.1f} "
                      f"s); one listing (about {found.listing_tokens} tokens) takes about "
                      f"{_duration(found.listing_seconds())}, at most {longest} (max_output_tokens = "
                      f"{found.max_output_tokens})", highlight=False, soft_wrap=True)
        if found.error:
            out.print(f"[red]problem[/]: {found.error}", highlight=False, soft_wrap=True)  # one line, however long
    if not found.ok:
        raise SystemExit(ExitStatus.PROVIDER_FAILURE)


def _duration(seconds: float) -> str:
    """12 s, 4 min 10 s, 1 h 5 min."""
    whole = round(seconds)
    if whole < 60:
        return f"{max(whole, 1)} s" if seconds >= 0.5 else f"{seconds:.1f} s"
    if whole < 3600:
        return f"{whole // 60} min" + (f" {whole % 60} s" if whole % 60 else "")
    return f"{whole // 3600} h" + (f" {whole % 3600 // 60} min" if whole % 3600 // 60 else "")
