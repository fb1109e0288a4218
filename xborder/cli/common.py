"""Options and helpers shared by the commands."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console

from xborder.config import Config, find_config, load_config

config_option = click.option(
    "--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
    help="Project file (default: xborder.toml in the current folder, else next to the catalog).")


def project_config(config_path: Path | None, inputs: list[Path]) -> Config:
    """Find and load the project's xborder.toml."""
    return load_config(find_config(config_path, inputs))


def console(err: bool = False) -> Console:
    """A rich console; plain text when not a terminal, so logs and pipes stay readable."""
    out = Console(stderr=err, highlight=False, soft_wrap=False)
    if not out.is_terminal:
        out.width = max(out.width, 140)  # a log or a pipe: wide beats wrapped CJK
    return out


def print_json(payload: object) -> None:
    """One JSON document on stdout, UTF-8, keys in a stable order."""
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
