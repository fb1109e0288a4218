"""Options and helpers shared by the commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # imported when a command runs, not for its --help (app.COMMANDS)
    from rich.console import Console

    from xborder.config import Config
    from xborder.project import Project

config_option = click.option(
    "--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
    help="Project file (default: xborder.toml in the current folder, else next to the catalog).")


# -o is --out, a folder, in every command; a command that writes one file takes --output FILE. An -o given to such a
# command (as older versions took it) still works, with a note.
legacy_o_option = click.option("-o", "legacy_output", type=click.Path(path_type=Path, dir_okay=False), hidden=True)


def chosen_output(output: Path | None, legacy_output: Path | None, *, required: bool = False) -> Path | None:
    """The file of --output, or of an -o given the old way (said once on stderr)."""
    if legacy_output is not None:
        if output is not None:
            raise click.UsageError("give the file once, as --output FILE")
        click.echo("xborder: -o means --out (a folder) in every command; this one writes a file: use --output FILE",
                   err=True)
        output = legacy_output
    if required and output is None:
        raise click.UsageError("Missing option '--output FILE'.")
    return output


def load_project(config_path: Path | None, inputs: list[Path]) -> Project:
    """The project every command starts from: its xborder.toml found (--config, here, beside the first input)
    and checked once."""
    from xborder.project import Project
    project = Project.load(config_path, inputs)
    if project.config.path is None:
        _say_defaults_once(project)
    return project


_PRICED = {"build", "price", "script", "inspect"}


def _say_defaults_once(project: Project) -> None:
    """Without a project file, say once per command, when it ends without an error, what xborder assumed and how
    to write a project file (a failing command's one line stays one line)."""
    from xborder.markets import get_markets
    context = click.get_current_context(silent=True)
    if context is None:
        return
    root = context.find_root()
    # the commands whose results the defaults change (markets, fulfilment, margin); not with --json, whose reader
    # wants one document
    if root.meta.get("xborder.defaults_said") or context.info_name not in _PRICED or context.params.get("as_json"):
        return
    root.meta["xborder.defaults_said"] = True
    config = project.config
    markets = get_markets(config.markets, config.market_overrides)
    modes = ", ".join(f"{m.key} with {config.pricing.fulfilment or m.fulfilment} fulfilment" for m in markets)
    line = (f"xborder: no xborder.toml here or beside the catalog, so defaults were assumed: {modes}, "
            f"{config.pricing.margin:.0%} margin, no freight, the catalog's prices in {config.catalog.currency}; "
            "`xborder init CATALOG` writes a project file with these to change")

    def say() -> None:
        if not root.meta.get("xborder.failed"):
            click.echo(line, err=True)

    root.call_on_close(say)


def project_config(config_path: Path | None, inputs: list[Path]) -> Config:
    """The settings of the project every command starts from (load_project)."""
    return load_project(config_path, inputs).config


def console(err: bool = False) -> Console:
    """A rich console; plain text when not a terminal, so logs and pipes stay readable."""
    from rich.console import Console
    out = Console(stderr=err, highlight=False, soft_wrap=False)
    if not out.is_terminal:
        out.width = max(out.width, 140)  # a log or a pipe: wide beats wrapped CJK
    return out


def print_json(payload: object) -> None:
    """One JSON document on stdout, UTF-8, keys in a stable order."""
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2))


def grouped_lines(findings: list[tuple[str, str, str, str]], *, verbose: bool = False, shown: int = 4) -> list[str]:
    """Findings as (sku, severity, code, message), said once per kind: 'warning duty-unset ×6 (JM-1, JM-2, …):
    message'. With verbose, one line each. A kind whose messages differ shows the first as an example."""
    if verbose:
        return [f"{sku} {severity}: {message}" for sku, severity, _, message in findings]
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for sku, severity, code, message in findings:
        groups.setdefault((severity, code), []).append((sku, message))
    order = {"error": 0, "warning": 1, "info": 2}
    lines = []
    for (severity, code), items in sorted(groups.items(), key=lambda g: order.get(g[0][0], 3)):
        skus = list(dict.fromkeys(sku for sku, _ in items))
        if len(skus) == 1:
            lines.append(f"{skus[0]} {severity}: {items[0][1]}")
            continue
        named = ", ".join(skus[:shown]) + (f", … ({len(skus) - shown} more)" if len(skus) > shown else "")
        same = len({message for _, message in items}) == 1
        lines.append(f"{severity} ×{len(skus)} ({named}): {'' if same else 'e.g. '}{items[0][1]}")
    if any(len(v) > 1 for v in groups.values()):
        lines.append("(--verbose lists every product)")
    return lines
