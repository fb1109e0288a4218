"""The files `xborder script` writes into OUT/scripts/: a teleprompter-friendly Markdown script per product and
language, a run of show per language (Markdown and a printable xlsx), pending.xlf and report.json.

The folder is written to a staging folder and swapped in whole, like a build's output folder."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path
from typing import Any

import xlsxwriter

from xborder.files import (hold_lock, map_names, real_folder, reproducible_zip, stage_folder, swap_in,
                           write_bytes, write_text)
from xborder.exports.review_workbook import write_cells
from xborder.findings import Finding
from xborder.scripts.model import LiveScript
from xborder.scripts.run import ScriptResult
from xborder.scripts.show import RunOfShow
from xborder.scripts.timing import clock
from xborder.language.xliff import write_xliff

SCHEMA_VERSION = 1


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def script_markdown(script: LiveScript) -> str:
    """One script for a teleprompter: each spoken line as a large heading, stage directions set apart in
    brackets, then the timing table, the findings and the notes for the host."""
    quote, market = script.quote, script.market
    out = [f"# {script.product.sku} · {script.name}", "",
           f"**{script.lang_tag}** · {market.name} (`{market.key}`) · price **{quote.formatted}**"
           f"{'' if quote.tax_included else ' + ' + quote.tax_name} · target {clock(script.target_seconds)} · "
           f"estimated **{clock(script.total_seconds)}** at {script.rate.label}", ""]
    if script.model and script.provenance == "model":
        out += [f"Written by the model {script.model}.", ""]
    elif script.model:
        out += [f"The model {script.model}'s script was REJECTED (it still broke a rule after a repair request; see "
                "the findings): these are the phrase bank's lines.", ""]
    others = [(o, p) for o, p in script.prices if o]
    if others:
        out += ["Variant prices: " + "; ".join(f"{o}: {p}" for o, p in others), ""]
    start = 0.0
    for segment in script.segments:
        end = start + segment.seconds
        out += ["---", "", f"#### {segment.title.upper()} · {clock(start)}–{clock(end)}"
                          f"{' · PENDING TRANSLATION' if segment.pending else ''}", ""]
        for beat in segment.beats:
            if beat.direction:
                out += [f"> *[{beat.direction}]*", ""]
            if beat.cue:  # not a line to say: the host's cue (text to translate, a claim left out)
                if beat.text:  # a demonstration step is its stage direction alone
                    out += [f"> **{beat.text}**", ""]
                continue
            out += [f"## {beat.text}", ""]
            if beat.draft:
                out += [f"> *[draft, check the word order: {', '.join(beat.draft)}]*", ""]
        start = end
    out += ["---", "", "#### Timing", "", "| # | segment | start | end | seconds | lines |",
            "| --- | --- | --- | --- | ---: | ---: |"]
    start = 0.0
    for number, segment in enumerate(script.segments, start=1):
        out.append(f"| {number} | {_cell(segment.title)} ({segment.kind}) | {clock(start)} | "
                   f"{clock(start + segment.seconds)} | {segment.seconds:.1f} | {len(segment.beats)} |")
        start += segment.seconds
    out.append(f"| | **total** (target {clock(script.target_seconds)}) | | **{clock(script.total_seconds)}** | "
               f"**{script.total_seconds:.1f}** | {sum(len(s.beats) for s in script.segments)} |")
    if script.dropped:
        out += ["", f"Left out to fit {clock(script.target_seconds)}: {', '.join(script.dropped)}."]
    out += ["", "#### Findings", ""]
    if script.findings:
        out += ["| severity | check | where | message |", "| --- | --- | --- | --- |"]
        out += [f"| {f.severity} | {f.check} | {f.field} | {_cell(f.message)} |" for f in script.findings]
    else:
        out.append("None: no claim, urgency, superlative or price the lint flags, and nothing pending.")
    culture = script.culture
    out += ["", f"#### Notes for the host ({culture.language_name}, {script.lang_tag})", "",
            f"- Address: {culture.address}",
            f"- Numbers and dates here: {culture.number_example} · {culture.date_example}"]
    if culture.occasions:
        out.append(f"- Occasions worth mentioning: {'; '.join(culture.occasions)}.")
    out += [f"- Avoid: {item}" for item in culture.avoid]
    return "\n".join(out) + "\n"


_HEADER = ["#", "start", "end", "length", "slot", "SKU", "product", "price", "say (the lines themselves)", "do / notes"]


def slot_text(slot) -> str:
    """A slot's lines, one per line of text: spoken lines as they are, cues for the host in brackets."""
    return "\n".join(line.text for line in slot.lines)


def run_of_show_markdown(show: RunOfShow) -> str:
    products = sum(1 for s in show.slots if s.kind == "product")
    out = [f"# Run of show · {show.lang_tag} · {show.market} · {clock(show.session_seconds)}", "",
           f"Order: {show.rule}. {products} product slots; the slots add up to {clock(show.total_seconds)}.", ""]
    if show.left_out:
        out += [f"No room for: {', '.join(show.left_out)}.", ""]
    if show.flash or show.announced:
        deals = {d.sku: d for d in show.announced + show.flash}.values()
        out += ["Flash deals (priced by the pricing engine, above break-even): " + "; ".join(
            f"{d.sku} {d.formatted} instead of {d.regular} (break-even {d.break_even_formatted})" for d in deals), ""]
    out += ["| " + " | ".join(_HEADER[:9]) + " |", "| ---: | --- | --- | ---: | --- | --- | --- | --- | --- |"]
    for s in show.slots:
        lines = "<br>".join(_cell(line.text) for line in s.lines)
        say = f"→ [{s.notes}]({s.notes})<br>{lines}" if s.kind == "product" else lines
        out.append(f"| {s.number} | {clock(s.start)} | {clock(s.end)} | {s.seconds} s | {s.kind} | {_cell(s.sku)} | "
                   f"{_cell(s.name)} | {_cell(s.price)} | {say} |")
    if show.findings:
        out += ["", "#### Findings", "", "| severity | check | where | message |", "| --- | --- | --- | --- |"]
        out += [f"| {f.severity} | {f.check} | {f.field} | {_cell(f.message)} |" for f in show.findings]
    return "\n".join(out) + "\n"


def run_of_show_xlsx(show: RunOfShow) -> bytes:
    """The run of show as a printable sheet: A4 landscape, one page wide, the header row on every page."""
    buffer = io.BytesIO()
    # data is never a formula, a number or a link: a host's name cell '{=cmd|…}' or 'http://…' stays text
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                        "strings_to_urls": False})
    book.set_properties({"title": f"Run of show {show.lang_tag}", "created": dt.datetime(2000, 1, 1)})
    head = book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"})
    body = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    product = book.add_format({"border": 1, "text_wrap": True, "valign": "top", "bold": True, "bg_color": "#F2F2F2"})
    sheet = book.add_worksheet("Run of show")
    for column, width in enumerate([4, 8, 8, 7, 11, 11, 24, 11, 70, 30]):
        sheet.set_column(column, column, width)
    write_cells(sheet, 0, _HEADER, head)
    for row, s in enumerate(show.slots, start=1):
        style = product if s.kind == "product" else body
        notes = "\n".join(x for x in (s.direction, s.notes) if x)
        write_cells(sheet, row, [s.number, clock(s.start), clock(s.end), s.seconds, s.kind, s.sku, s.name, s.price,
                                 slot_text(s), notes], style)
    total = len(show.slots) + 1
    sheet.write(total, 2, "total", head)
    sheet.write_formula(total, 3, f"=SUM(D2:D{total})", head, show.total_seconds)
    sheet.freeze_panes(1, 0)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.hide_gridlines(0)
    sheet.set_header(f"&L&B Run of show · {show.lang_tag} · {show.market}&R{clock(show.session_seconds)}")
    sheet.set_footer("&CPage &P of &N")
    book.close()
    return reproducible_zip(buffer.getvalue())


def script_names(scripts: list[LiveScript]) -> dict[str, str]:
    """Each SKU's script file in its language's folder, by the one file-name mapper (files.map_names): SKUs that
    read alike as file names ('HF/1', 'HF 1', 'HF-1'; '.' and '..') get a stable suffix and a `file-name` finding
    on the script, never one file for two scripts."""
    names, collisions = map_names((script.product.sku for script in scripts), ".md")
    for sku, name, shared in collisions:
        for script in scripts:
            if script.product.sku == sku:
                script.findings.append(Finding(
                    "file-name", "warning", f"SKU {sku!r} is written as {name}, not {shared}: another SKU's script "
                    "has that file name (a file name cannot hold every character of a SKU)", "file", term=name))
    return names


def write_scripts(result: ScriptResult) -> list[Path]:
    """Write OUT/scripts/ whole (staged, then swapped in); returns the files at their final paths."""
    final = result.out / "scripts"
    with hold_lock(real_folder(final), "this scripts folder"):
        stage = stage_folder(final)
        written: list[Path] = []
        try:
            for tag, scripts in result.scripts.items():
                folder = stage / tag
                names = script_names(scripts)
                for script in scripts:
                    path = folder / names[script.product.sku]
                    write_text(path, script_markdown(script))
                    written.append(path)
                show = result.shows.get(tag)
                if show is not None:
                    for slot in show.slots:
                        if slot.kind == "product" and slot.sku in names:
                            slot.notes = names[slot.sku]  # the script beside the run of show, as written
                    write_text(folder / "run-of-show.md", run_of_show_markdown(show))
                    write_bytes(folder / "run-of-show.xlsx", run_of_show_xlsx(show))
                    written += [folder / "run-of-show.md", folder / "run-of-show.xlsx"]
            languages = sorted({m.language for m in result.markets.values()})
            write_xliff(result.pending, stage / "pending.xlf", languages)
            written.append(stage / "pending.xlf")
            report = stage / "report.json"
            write_text(report, json.dumps(report_json(result, [p.relative_to(stage) for p in written]),
                                          ensure_ascii=False, indent=2) + "\n")
            written.append(report)
            swap_in(stage, final)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
    result.files = [final / p.relative_to(stage) for p in written]
    return result.files


def report_json(result: ScriptResult, files: list[Path]) -> dict[str, Any]:
    scripts = result.all_scripts
    return {
        "schema_version": SCHEMA_VERSION,
        "written": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "totals": {"scripts": len(scripts), "pending_segments": len(result.pending),
                   "within_tolerance": sum(s.within_tolerance for s in scripts),
                   "findings": {sev: sum(1 for s in scripts for f in s.findings if f.severity == sev)
                                for sev in ("error", "warning")}},
        "markets": {tag: market.key for tag, market in result.markets.items()},
        "engine": result.model.to_json() if result.model is not None else {"name": "offline"},
        "scripts": [s.to_json() for s in scripts],
        "runs_of_show": {tag: show.to_json() for tag, show in result.shows.items()},
        "files": [str(p) for p in files],
    }
