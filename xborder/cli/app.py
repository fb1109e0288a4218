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
            click.echo(f"xborder: {error}", err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("xborder: interrupted", err=True)
            ctx.exit(ExitStatus.INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:  # a bug, not bad input: say so, keep the traceback for --debug
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
