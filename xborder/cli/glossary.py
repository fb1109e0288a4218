"""`xborder glossary …`: list, add, check, import, export and suggest glossary terms."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from xborder.catalog import read_catalog
from xborder.cli.app import cli
from xborder.cli.common import config_option, console, legacy_o_option, chosen_output, print_json, project_config
from xborder.config import Config
from xborder.files import write_bytes, write_text
from xborder.markets import get_markets
from xborder.language.glossary import (TYPES, Glossary, GlossaryEntry, GlossaryError, load_glossary, write_csv,
                                        write_tbx)
from xborder.language.project import project_glossary
from xborder.language.terms import glossary_coverage, suggest_terms


def project_langs(config: Config) -> list[str]:
    """Language tags of the project's markets ('en-US', 'de-DE' …), in market order."""
    markets = get_markets(config.markets, config.market_overrides)
    return list(dict.fromkeys(m.lang_tag for m in markets))


@cli.group()
def glossary() -> None:
    """Glossary terms: translated one way everywhere, kept as written, or never used."""


@glossary.command("list")
@click.option("--lang", "-l", "langs", multiple=True, help="Languages to show (default: the project's).")
@click.option("--type", "kind", type=click.Choice(TYPES), help="Only entries of this type.")
@click.option("--search", help="Only entries whose source or target contains this text.")
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
@config_option
def list_(langs: tuple[str, ...], kind: str | None, search: str | None, as_json: bool,
          config_path: Path | None) -> None:
    """List the stacked glossary: starter, project and market glossaries."""
    config = project_config(config_path, [])
    stacked = project_glossary(config)
    languages = list(langs) or project_langs(config)
    entries = [e for e in sorted(stacked, key=lambda e: (e.type, e.source))
               if (not kind or e.type == kind)
               and (not search or search in e.source or any(search in f for fs in e.targets.values() for f in fs))]
    if as_json:
        print_json([{"source": e.source, "type": e.type, "targets": {k: list(v) for k, v in e.targets.items()},
                     "case_sensitive": e.case_sensitive, "note": e.note, "origin": e.origin} for e in entries])
        return
    table = Table(title=f"Glossary ({len(entries)} of {len(stacked)} entries)", title_justify="left")
    for name in ("source", "type", *languages, "from"):
        table.add_column(name, overflow="fold")
    for e in entries:
        table.add_row(e.source, e.type, *(e.target(lang) or "" for lang in languages), e.origin)
    out = console()
    out.print(table)
    for conflict in stacked.conflicts:
        out.print(f"[yellow]{conflict}[/]")


@glossary.command()
@click.argument("source")
@click.option("--target", "-t", "targets", multiple=True, metavar="LANG=TEXT",
              help="A translation, e.g. -t en=Hanfu -t de=Hanfu; several forms with ' | '.")
@click.option("--type", "kind", type=click.Choice(TYPES), default="term", show_default=True)
@click.option("--note", default="", help="Why this rendering (shown to translators).")
@click.option("--case-sensitive", is_flag=True, help="Match the source with its exact case (brands, acronyms).")
@click.option("--replace", is_flag=True, help="Replace an existing entry that says something else.")
@config_option
def add(source: str, targets: tuple[str, ...], kind: str, note: str, case_sensitive: bool, replace: bool,
        config_path: Path | None) -> None:
    """Add SOURCE to the project glossary (the last of [glossary] files, else glossary.csv)."""
    config = project_config(config_path, [])
    parsed: dict[str, tuple[str, ...]] = {}
    for item in targets:
        lang, sep, text = item.partition("=")
        if not sep or not lang.strip() or not text.strip():
            raise GlossaryError(f"--target '{item}' must look like LANG=TEXT, e.g. en=Hanfu")
        parsed[lang.strip()] = tuple(f.strip() for f in text.split("|") if f.strip())
    if kind != "keep" and not parsed:
        raise GlossaryError(f"a {kind} entry needs at least one --target LANG=TEXT")
    path = config.project_glossary
    current = load_glossary(path) if path.exists() else Glossary(name=path.name)
    entry = GlossaryEntry(source.strip(), kind, parsed, case_sensitive, note, str(path))
    earlier = current.entries.get(entry.key)
    if earlier is not None and not replace:
        clashes = [lang for lang, forms in parsed.items() if lang in earlier.targets and earlier.targets[lang] != forms]
        if clashes:
            raise GlossaryError(f"{path}: {source} ({kind}) already says "
                                + ", ".join(f"{lang}='{earlier.targets[lang][0]}'" for lang in clashes)
                                + "; use --replace to change it")
    current.add(entry)
    write_text(path, write_csv(current))
    click.echo(f"{'updated' if earlier else 'added'} {source} ({kind}) in {path}")


@glossary.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--sheet", help="Read this sheet of the catalog.")
@click.option("--strict", is_flag=True, help="Exit with 2 when a term lacks a translation for a project language.")
@click.option("--json", "as_json", is_flag=True, help="Print the terms as JSON.")
@config_option
def check(file: Path, sheet: str | None, strict: bool, as_json: bool, config_path: Path | None) -> None:
    """Show which glossary terms occur in the catalog FILE and which lack a translation."""
    config = project_config(config_path, [file])
    catalog = read_catalog(file, config.catalog, sheet=sheet)
    langs = project_langs(config)
    uses = glossary_coverage(catalog.products, project_glossary(config), langs)
    missing = [u for u in uses if u.missing]
    if as_json:
        print_json({"languages": langs, "terms": [u.to_json() for u in uses]})
    else:
        table = Table(title=f"Glossary terms in {file} ({len(uses)} terms, {len(missing)} missing a translation)",
                      title_justify="left")
        for name in ("source", "type", "products", *langs):
            table.add_column(name, overflow="fold")
        for u in uses:
            cells = []
            for lang in langs:
                target = u.entry.target(lang)
                cells.append("[bold red]missing[/]" if lang in u.missing else (target or ""))
            table.add_row(u.entry.source, u.entry.type, ", ".join(u.skus), *cells)
        console().print(table)
    if strict and missing:
        click.echo(f"xborder: {len(missing)} glossary terms have no translation for "
                   f"{', '.join(sorted({lang for u in missing for lang in u.missing}))}; add them with "
                   "`xborder glossary add`", err=True)
        raise SystemExit(2)


@glossary.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--replace", is_flag=True, help="Let the imported entries win over the project's.")
@config_option
def import_(file: Path, replace: bool, config_path: Path | None) -> None:
    """Merge a CSV or TBX glossary into the project glossary; conflicts stop it unless --replace."""
    config = project_config(config_path, [])
    incoming = load_glossary(file)
    if incoming.conflicts:  # a TBX may hold one term in several entries that disagree
        lines = "; ".join(f"{c.source} ({c.lang}): '{c.earlier}' and '{c.later}'" for c in incoming.conflicts[:5])
        raise GlossaryError(f"{file}: {len(incoming.conflicts)} entries contradict each other in this file ({lines}); "
                            "nothing was written; keep one entry per term")
    path = config.project_glossary
    current = load_glossary(path) if path.exists() else Glossary(name=path.name)
    before = len(current.conflicts)
    merged = Glossary(list(current), name=path.name)
    for entry in incoming:
        merged.add(entry)
    conflicts = merged.conflicts[before:]
    if conflicts and not replace:
        lines = "; ".join(f"{c.source} ({c.lang}): '{c.earlier}' here, '{c.later}' in {file.name}"
                          for c in conflicts[:5])
        raise GlossaryError(f"{file}: {len(conflicts)} entries contradict {path.name} ({lines}); nothing was "
                            "written; fix them or import with --replace")
    write_text(path, write_csv(merged))
    click.echo(f"imported {len(incoming)} entries from {file} into {path} ({len(merged)} entries)")


@glossary.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "tbx"]), default=None,
              help="File format (default: from the --output file's extension).")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), help="The file to write.  [required]")
@legacy_o_option
@click.option("--project-only", is_flag=True, help="Only the project's glossary files, not the starter ones.")
@config_option
def export(fmt: str | None, output: Path | None, legacy_output: Path | None, project_only: bool,
           config_path: Path | None) -> None:
    """Write the stacked glossary as CSV or TBX."""
    output = chosen_output(output, legacy_output, required=True)
    assert output is not None
    config = project_config(config_path, [])
    fmt = fmt or output.suffix.lower().lstrip(".")
    if fmt not in ("csv", "tbx"):
        raise GlossaryError(f"{output}: give --format csv or tbx, or name the file .csv or .tbx")
    if project_only:
        config.starter_glossaries = False
    stacked = project_glossary(config)
    if fmt == "csv":
        write_text(output, write_csv(stacked))
    else:
        write_bytes(output, write_tbx(stacked))
    click.echo(f"wrote {len(stacked)} entries to {output}")


@glossary.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--sheet", help="Read this sheet of the catalog.")
@click.option("--min-count", default=2, show_default=True, help="How many product names must share a term.")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the candidates as a glossary CSV to fill in and `glossary import`.")
@legacy_o_option
@click.option("--json", "as_json", is_flag=True, help="Print the candidates as JSON.")
@config_option
def suggest(file: Path, sheet: str | None, min_count: int, output: Path | None, legacy_output: Path | None,
            as_json: bool, config_path: Path | None) -> None:
    """Suggest terms from a catalog for the glossary. Nothing is added until you import them."""
    output = chosen_output(output, legacy_output)
    config = project_config(config_path, [file])
    catalog = read_catalog(file, config.catalog, sheet=sheet)
    candidates = suggest_terms(catalog.products, project_glossary(config), min_count)
    if output:
        draft = Glossary([GlossaryEntry(c.source, c.type, {}, c.type == "keep", f"{c.reason}; e.g. {c.example}")
                          for c in candidates])
        langs = list(dict.fromkeys(tag.split("-")[0] for tag in project_langs(config)))
        write_text(output, write_csv(draft, languages=langs))
        click.echo(f"wrote {len(candidates)} candidates to {output}: fill in the translations, then "
                   f"`xborder glossary import {output}`")
        return
    if as_json:
        print_json([c.to_json() for c in candidates])
        return
    table = Table(title=f"Glossary candidates from {file} ({len(candidates)}); none added",
                  title_justify="left")
    for name in ("source", "type", "why", "count", "e.g."):
        table.add_column(name)
    for c in candidates:
        table.add_row(c.source, c.type, c.reason, str(c.count), c.example)
    console().print(table)

