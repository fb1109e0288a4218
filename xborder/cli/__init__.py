"""The xborder command line: thin click commands over the core, registered on the group in cli/app.py.

This module loads nothing heavy: `main()` (the console script) first makes sure that Ctrl-C while the commands and
the library load (most of a second) is one line and exit 130, not a traceback, then loads them.
"""

from __future__ import annotations

import errno
import signal
import sys
from typing import Any, NoReturn

from xborder.status import ExitStatus

__all__ = ["cli", "main"]


def main() -> None:
    """Console-script entry point."""
    sys.unraisablehook = _unraisable
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # from here a Ctrl-C is a KeyboardInterrupt
        app = _load()  # importing the commands imports the library: a Ctrl-C lands here most often
        app.main()
    except KeyboardInterrupt:  # outside a command's own handling (XborderGroup): loading, parsing, exiting
        _interrupted()


def _unraisable(unraisable: Any) -> None:
    """A full disk is said once, in the command's own line: a file object the failed write left open fails again
    when Python finalizes it, which is no news; anything else is reported as Python would."""
    error = unraisable.exc_value
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return
    sys.__unraisablehook__(unraisable)


def _interrupted() -> NoReturn:
    print("xborder: interrupted", file=sys.stderr, flush=True)
    raise SystemExit(ExitStatus.INTERRUPTED)


def _load() -> Any:
    from xborder.cli import app  # each command's module is imported when the command is used (app.COMMANDS)

    return app


def __getattr__(name: str) -> Any:
    # `from xborder.cli import cli`: the click group; it loads each command's module when that command is used
    if name == "cli":
        return _load().cli
    raise AttributeError(f"module 'xborder.cli' has no attribute {name!r}")


if __name__ == "__main__":  # pragma: no cover
    main()
