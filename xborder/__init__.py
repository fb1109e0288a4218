"""xborder: localized listings, live-stream scripts and local prices from a factory spreadsheet.

The Python API starts from a Project: `from xborder import Project` (xborder/project.py).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import TYPE_CHECKING


def _interrupted_while_starting(signum: int, frame: object) -> None:
    sys.stderr.write("xborder: interrupted\n")
    os._exit(130)


# The `xborder` command: a Ctrl-C before its main() runs (the interpreter still importing) ends it quietly with 130;
# main() puts Python's own handling back, which keeps finished work. A program importing xborder is left alone.
if sys.argv and os.path.basename(sys.argv[0]).split(".")[0] == "xborder" and \
        signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _interrupted_while_starting)

from xborder.version import __version__  # noqa: E402 - after the handler: importing metadata takes a while

if TYPE_CHECKING:
    from xborder.project import Project

__all__ = ["Project", "__version__"]


def __getattr__(name: str) -> object:
    # the command line imports xborder too: the whole library loads only when the API is used
    if name == "Project":
        from xborder.project import Project

        return Project
    raise AttributeError(f"module 'xborder' has no attribute {name!r}")
