"""The files `xborder script` writes into OUT/scripts/: a teleprompter-friendly Markdown script per product and
language, a run of show per language (Markdown and a printable xlsx), pending.xlf and report.json.

The folder is written to a staging folder and swapped in whole, like a build's output folder."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import shutil
from pathlib import Path
from typing import Any

import xlsxwriter

from xborder.files import (hold_lock, map_names, neutralize, real_folder, reproducible_zip, stage_folder, swap_in,
                           write_bytes, write_text)
from xborder.exports.review_workbook import write_cells
from xborder.findings import Finding
from xborder.scripts.model import LiveScript
from xborder.scripts.run import REPLY_TOPICS, ScriptResult
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


_HOST_HEADER = ["SKU", "product", "segment", "say / cue", "the line (as said)", "source (the catalog text it says)"]


def host_sheet_xlsx(scripts: list[LiveScript]) -> bytes:
    """The host sheet for bilingual rehearsal: every line of every script in order, the catalog text it came from
    beside it (a phrase bank line that says no catalog text: '(phrase bank)'); text is text, never a formula."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                        "strings_to_urls": False})
    book.set_properties({"title": "Host sheet", "created": dt.datetime(2000, 1, 1)})
    head = book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"})
    body = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet("Host sheet")
    for column, width in enumerate([11, 24, 12, 8, 60, 50]):
        sheet.set_column(column, column, width)
    write_cells(sheet, 0, _HOST_HEADER, head)
    row = 1
    for script in scripts:
        for segment in script.segments:
            for beat in segment.beats:
                if not beat.text:  # a demonstration step: a stage direction alone
                    continue
                source = "\n".join(beat.pending or beat.sources) or "(phrase bank)"
                write_cells(sheet, row, [script.product.sku, script.name, segment.title, "cue" if beat.cue else "say",
                                         beat.text, source], body)
                row += 1
    sheet.freeze_panes(1, 0)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    book.close()
    return reproducible_zip(buffer.getvalue())


_TELEPROMPTER_CSS = """html{background:#000;color:#fff}
body{margin:0;font-family:system-ui,sans-serif}
section{min-height:100vh;display:flex;flex-direction:column;justify-content:center;padding:0 6vw;box-sizing:border-box}
section p{font-size:7vw;line-height:1.25;margin:0}
section small{font-size:2.2vw;color:#ff0;margin-bottom:2vh}
section.cue p{color:#ff0}
@media print{html{background:#fff;color:#000}section{min-height:0;height:auto;break-after:page;
page-break-after:always;padding:2cm}section p{font-size:40pt;color:#000}section small{font-size:14pt;color:#000}}"""


def teleprompter_html(scripts: list[LiveScript], title: str) -> str:
    """The spoken lines one per screen in large type, high contrast, CSS only (no script, nothing fetched); it
    scrolls, and prints one line per page. Every text is HTML-escaped; a cue for the host is set apart in yellow."""
    out = ["<!DOCTYPE html>", '<html lang="' + html.escape(scripts[0].lang_tag if scripts else "") + '">', "<head>",
           '<meta charset="utf-8">', '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{html.escape(title)}</title>", f"<style>{_TELEPROMPTER_CSS}</style>", "</head>", "<body>"]
    for script in scripts:
        for segment in script.segments:
            for beat in segment.beats:
                if not beat.text:
                    continue
                where = f"{script.product.sku} · {segment.title}"
                kind = ' class="cue"' if beat.cue else ""
                out.append(f"<section{kind}><small>{html.escape(where)}</small><p>{html.escape(beat.text)}</p>"
                           "</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


_TOPICS = ("size", "material", "capacity", "voltage/plug", "shipping", "returns", "price")


def reply_bank_csv(scripts: list[LiveScript], replies: dict[str, list[tuple[str, Any, bool]]]) -> str:
    """The comment-reply bank (UTF-8 CSV with a BOM, for Excel): per product and usual question (size, material,
    capacity, voltage/plug, shipping, returns, price), the replies from its facts in the script's language, one per
    row; 'cue' where the reply is a bracketed cue for the host to fill (shipping and returns, which the project does
    not state), 'none' where the catalog does not say. Text is neutralized: no cell is a formula."""
    buffer = io.StringIO()
    rows = csv.writer(buffer, lineterminator="\r\n")
    rows.writerow(["sku", "product", "question", "kind", "reply"])
    for script in scripts:
        by_topic: dict[str, list[Any]] = {}
        for topic, line, _ in replies.get(script.product.sku, []):
            key = REPLY_TOPICS.get(topic)
            if key is not None and line.text not in [x.text for x in by_topic.get(key, [])]:
                by_topic.setdefault(key, []).append(line)
        for topic in _TOPICS:
            found = by_topic.get(topic) or [None]
            for line in found:
                kind = "none" if line is None else "cue" if line.cue else "say"
                rows.writerow([neutralize(x) for x in (script.product.sku, script.name, topic, kind,
                                                        "" if line is None else line.text)])
    return "\ufeff" + buffer.getvalue()


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
                if scripts:  # the formats a host uses: bilingual rehearsal, the teleprompter, the reply bank
                    extra = {"host-sheet.xlsx": host_sheet_xlsx(scripts),
                             "teleprompter.html": teleprompter_html(scripts, f"Teleprompter {tag}").encode("utf-8"),
                             "replies.csv": reply_bank_csv(scripts, result.replies.get(tag, {})).encode("utf-8")}
                    for name, content in extra.items():
                        write_bytes(folder / name, content)
                        written.append(folder / name)
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
