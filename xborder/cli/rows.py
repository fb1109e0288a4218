"""The one line every command prints for a catalog row it left out: file, sheet, row, column and what to do."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # the console line needs no catalog reader loaded (inspect --help stays fast)
    from xborder.catalog.model import Problem

MOST_LINES = 25  # rows named one by one on the console; the rest are counted (report.json and inspect list them all)


def row_line(problem: Problem) -> str:
    """'xborder: catalog.xlsx, sheet 产品, row 7, column 出厂价 (C): 'abc' is not a price …; the row is skipped'."""
    return f"xborder: {problem}"


def echo_row_errors(problems: Iterable[Problem]) -> None:
    """One line on stderr per row left out for an error, whatever --quiet or --json say."""
    errors = [p for p in problems if p.severity == "error"]
    for problem in errors[:MOST_LINES]:
        click.echo(row_line(problem), err=True)
    rest = errors[MOST_LINES:]
    if rest:
        files = ", ".join(dict.fromkeys(p.file for p in rest))
        click.echo(f"xborder: {len(rest):,} more row problems in {files} (rows {rest[0].row}–{rest[-1].row}); "
                   "`xborder inspect FILE` lists them all", err=True)
