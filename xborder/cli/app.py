"""The `xborder` click group: one line and an exit code for every XborderError, never a traceback."""

from __future__ import annotations

import importlib
import os

import click

from xborder.version import __version__
from xborder.errors import XborderError
from xborder.status import ExitStatus


# Every command, the module that registers it, and its line in `xborder --help`. A command's module is imported only
# when that command runs (or shows its help): `xborder --help` loads no model client, workbook library or catalog
# reader, so it answers at once.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("init", "Write a commented xborder.toml for a catalog: markets, brand, costs."),
    "inspect": ("inspect", "Show what xborder reads from a catalog: columns, products, facts, problems."),
    "price": ("price", "Price every product for each market: landed cost, fees, VAT, margin."),
    "rates": ("price", "Show the exchange rates a price run would use, with their dates."),
    "build": ("build", "Build listings, prices and upload files from one or more catalogs."),
    "check": ("check", "Run every check of the market again on listings edited in a build folder."),
    "script": ("script", "Write live-stream scripts and a run of show for every product."),
    "glossary": ("glossary", "Glossary terms: translated one way everywhere, or kept as written."),
    "tm": ("tm", "The translation memory: import, export, merge and approve translations."),
    "batch": ("batch", "Model requests at half the price through the provider's Batch API."),
    "doctor": ("doctor", "Check the model endpoint: key, model, structured output, speed."),
}


# What each command writes, for its help page (with the exit codes every command shares).
WRITES: dict[str, str] = {
    "init": "xborder.toml in --out (the current folder by default)",
    "inspect": "nothing; the table (or --json) on stdout",
    "price": "nothing; the prices (or --json) on stdout",
    "rates": "nothing; the rates (or --json) on stdout",
    "build": "--out (dist/): listings.xlsx, <market>.json, the upload files, pending.xlf, images/, report.json; the "
             "memory (.xborder/memory.sqlite); --batch-out FILE",
    "check": "nothing, or the JSON / JUnit report to --output FILE",
    "script": "--out (dist/): scripts/<lang>/<sku>.md, host-sheet.xlsx, teleprompter.html, replies.csv, the run "
              "of show (.md, .xlsx), pending.xlf, report.json",
    "glossary add": "the project glossary file ([glossary] files, the last one)",
    "glossary import": "the project glossary file ([glossary] files, the last one)",
    "glossary export": "--output FILE (.csv or .tbx)",
    "glossary suggest": "nothing, or the candidates CSV to --output FILE",
    "glossary list": "nothing; the entries (or --json) on stdout",
    "glossary check": "nothing; the terms (or --json) on stdout",
    "tm import": "the memory (.xborder/memory.sqlite or --memory)",
    "tm merge": "the memory (.xborder/memory.sqlite or --memory)",
    "tm export": "--output FILE (.tmx)",
    "tm stats": "nothing; the counts (or --json) on stdout",
    "batch submit": "nothing here; uploads FILE to the provider",
    "batch status": "nothing; the status (or --json) on stdout",
    "batch collect": "--output FILE (JSON Lines), for build --batch-in",
    "doctor": "nothing; the findings (or --json) on stdout",
}
EXIT_CODES = ("Exit codes: 0 done; 1 findings to fix; 2 bad input, configuration or outputs that cannot be written; "
              "3 the model endpoint failed; 4 a --max-requests/--max-tokens limit reached; 70 a bug; 130 interrupted.")


def _with_epilog(command: click.Command, path: str) -> None:
    """Give a command and its subcommands the lines on what they write and how they exit."""
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            _with_epilog(sub, f"{path} {name}")
        return
    if not command.epilog:
        writes = WRITES.get(path)
        command.epilog = (f"Writes: {writes}.\n\n" if writes else "") + EXIT_CODES


class XborderGroup(click.Group):
    """Turns XborderError into one line on stderr and its exit code; never a traceback. Loads each command's module
    only when it is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(dict.fromkeys([*COMMANDS, *super().list_commands(ctx)]))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            importlib.import_module(f"xborder.cli.{COMMANDS[cmd_name][0]}")
        command = super().get_command(ctx, cmd_name)
        if command is not None and cmd_name in COMMANDS:
            command.short_help = COMMANDS[cmd_name][1]
            _with_epilog(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from COMMANDS, without importing a command to read its help."""
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx) if name in COMMANDS]
        rows += [(name, command.get_short_help_str(formatter.width)) for name, command in self.commands.items()
                 if name not in COMMANDS and not command.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except XborderError as error:
            ctx.meta["xborder.failed"] = True  # notes said at the end (cli.common) give way to the one error line
            click.echo(f"xborder: {error}", err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            ctx.meta["xborder.failed"] = True
            click.echo("xborder: interrupted", err=True)
            ctx.exit(ExitStatus.INTERRUPTED)
        except click.exceptions.Exit as done:
            if done.exit_code not in (0, 1):
                ctx.meta["xborder.failed"] = True
            raise
        except SystemExit as done:  # a command's own exit code: rows left out (2), pending text (1) …
            if done.code not in (0, 1, None):
                ctx.meta["xborder.failed"] = True
            raise
        except (click.ClickException, click.Abort):
            ctx.meta["xborder.failed"] = True
            raise
        except Exception as error:  # a bug, not bad input: say so, keep the traceback for --debug
            ctx.meta["xborder.failed"] = True
            if os.environ.get("XBORDER_DEBUG"):
                raise
            click.echo(f"xborder: internal error: {type(error).__name__}: {error}\n"
                       "Set XBORDER_DEBUG=1 to see the traceback, and please report it.", err=True)
            ctx.exit(ExitStatus.INTERNAL_ERROR)


@click.group(cls=XborderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="xborder")
def cli() -> None:
    """Localized listings, live-stream scripts and local prices from a factory spreadsheet.

    Start with `xborder inspect catalog.xlsx` to see what xborder reads from your file.

    \b
    Exit codes (every command):
      0    done
      1    findings to fix: a listing error, an unconfirmed price, pending text
           (with --fail-on-pending or --frozen)
      2    bad input or configuration (one line names the file, row and column)
           or outputs that cannot be written (disk full, --out holds other files,
           another run holds the output folder or memory)
      3    the model endpoint refused the key or model, or failed after retries
      4    --max-requests or --max-tokens reached; finished work is kept
      70   a bug in xborder (XBORDER_DEBUG=1 shows the traceback)
      130  interrupted; finished work is kept
    """


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="xborder")
