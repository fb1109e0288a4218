"""Exit statuses: one list of what an exit code means, for people and for CI."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """What `xborder` exits with. Documented in the README and `xborder --help`."""

    SUCCESS = 0
    FINDINGS = 1  # a listing has an error to fix (or text is pending, with --fail-on-pending)
    INPUT_ERROR = 2  # bad input or configuration: rows left out, a catalog unreadable, a bad setting
    PROVIDER_FAILURE = 3  # the model endpoint failed after retries, or refused the key or the model
    BUDGET_REACHED = 4  # --max-requests or --max-tokens stopped the model calls; finished work is kept
    INTERNAL_ERROR = 70  # a bug in xborder: please report it
    INTERRUPTED = 130  # Ctrl-C or SIGTERM; finished work is kept in the memory
