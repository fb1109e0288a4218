"""The `xborder` click group: one line and an exit code for every XborderError, never a traceback."""

from __future__ import annotations

import os

import click

from xborder.version import __version__
from xborder.errors import XborderError
from xborder.status import ExitStatus


class XborderGroup(click.Group):
    """Turns XborderError into one line on stderr and its exit code; never a traceback."""

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
