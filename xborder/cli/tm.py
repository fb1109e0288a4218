"""`xborder tm …`: the translation memory's approved translations in and out, and its size."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from xborder.cli.app import cli
from xborder.cli.common import config_option, console, legacy_o_option, chosen_output, print_json, project_config
from xborder.language.glossary import GlossaryError
from xborder.language.memory import MergeReport, check_memory_file
from xborder.language.project import open_memory
from xborder.language.tmx import read_tmx, write_tmx

memory_option = click.option("--memory", "memory_path", type=click.Path(path_type=Path, dir_okay=False),
                             help="Translation memory file (default: $XBORDER_MEMORY, else .xborder/memory.sqlite).")


def import_rows(path: Path, source_lang: str) -> tuple[list[tuple[str, str, str, str, str]], str]:
    """Approved translations from a TMX or XLIFF file, and the origin to record."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise GlossaryError(f"{path}: no such file")
    if suffix == ".tmx":
        return read_tmx(path, source_lang), "import"
    if suffix in (".xlf", ".xliff"):
        from xborder.language.xliff import read_xliff

        return read_xliff(path, source_lang), "human"
    if suffix in (".xlsx", ".xlsm"):
        from xborder.exports.review_workbook import read_corrections

        return read_corrections(path), "human"
    raise GlossaryError(f"{path}: the memory imports .tmx, .xlf/.xliff and the review workbook listings.xlsx")


@cli.group()
def tm() -> None:
    """The translation memory: approved translations that every later run reuses."""


@tm.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@memory_option
@config_option
def import_(files: tuple[Path, ...], memory_path: Path | None, config_path: Path | None) -> None:
    """Store the translations in FILES as approved: TMX, translated XLIFF (pending.xlf), or the
    review workbook listings.xlsx, of which only the cells a person changed are taken."""
    config = project_config(config_path, [])
    batches = [(f, *import_rows(f, config.source_language)) for f in files]  # read all before writing any
    with open_memory(config, memory_path) as memory:
        for path, rows, origin in batches:
            count = memory.approve_many(rows, origin)
            click.echo(f"{path}: {count} approved translations stored in {memory.path} (new or changed)")


@tm.command()
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), help="The .tmx file to write.  [required]")
@legacy_o_option
@click.option("--lang", "-l", "langs", multiple=True, help="Only these target languages.")
@memory_option
@config_option
def export(output: Path | None, legacy_output: Path | None, langs: tuple[str, ...], memory_path: Path | None,
           config_path: Path | None) -> None:
    """Write the approved translations as TMX, to keep them in git or share them."""
    output = chosen_output(output, legacy_output, required=True)
    assert output is not None
    config = project_config(config_path, [])
    with open_memory(config, memory_path, readonly=True) as memory:
        count = write_tmx(memory.all_approved(list(langs) or None), output, config.source_language)
    click.echo(f"wrote {count} approved translations to {output}")


@tm.command()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@memory_option
@config_option
def stats(as_json: bool, memory_path: Path | None, config_path: Path | None) -> None:
    """How many approved and cached translations the memory holds, per language."""
    config = project_config(config_path, [])
    with open_memory(config, memory_path, readonly=True) as memory:
        counts = memory.stats()
    if as_json:
        print_json(counts)
        return
    table = Table(title=f"Translation memory {counts['path']}", title_justify="left")
    for name in ("kind", "language", "origin / engine", "count"):
        table.add_column(name)
    for row in counts["approved"]:
        table.add_row("approved", row["lang"], row["origin"], str(row["count"]))
    for row in counts["cached"]:
        table.add_row("cached", row["lang"], row["engine"], str(row["count"]))
    console().print(table)
    console().print(f"{counts['total_approved']} approved, {counts['total_cached']} cached")


MAX_CONFLICTS_SHOWN = 20


@tm.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print what was merged as JSON, with every conflict.")
@memory_option
@config_option
def merge(files: tuple[Path, ...], as_json: bool, memory_path: Path | None, config_path: Path | None) -> None:
    """Merge the translation memories in FILES into the memory, e.g. those of CI jobs that each built part of
    a catalog. A person's translation beats an imported one, otherwise the newer wins; two different
    translations by people are kept as the newer one and listed. FILES are only read."""
    config = project_config(config_path, [])
    for path in files:  # every file is checked before the memory is opened or written
        check_memory_file(path)
    reports: list[MergeReport] = []
    with open_memory(config, memory_path) as memory:
        for path in files:
            memory.check_mergeable(path)  # not the memory itself, before any file is merged
        for path in files:
            reports.append(memory.merge(path))
            if not as_json:
                _echo_merge(reports[-1], memory.path)
    if as_json:
        print_json({"memory": str(memory.path), "merged": [report.to_json() for report in reports]})


def _echo_merge(report: MergeReport, into: Path) -> None:
    conflicts = len(report.conflicts)
    click.echo(f"{report.other} into {into}: approved {report.approved_added} added, {report.approved_updated} "
               f"updated, {report.approved_kept} kept; cached {report.cached_added} added, {report.cached_updated} "
               f"updated, {report.cached_kept} kept; {conflicts} conflict{'' if conflicts == 1 else 's'}")
    for conflict in report.conflicts[:MAX_CONFLICTS_SHOWN]:
        where = f"{conflict.source_lang}→{conflict.target_lang}" + (f", {conflict.market}" if conflict.market else "")
        came_from = report.other if conflict.took_theirs else into
        click.echo(f"  conflict {conflict.source!r} ({where}): kept {conflict.kept!r} (from {came_from}) "
                   f"over {conflict.dropped!r}")
    if conflicts > MAX_CONFLICTS_SHOWN:
        click.echo(f"  and {conflicts - MAX_CONFLICTS_SHOWN} more conflicts (--json lists them all)")
