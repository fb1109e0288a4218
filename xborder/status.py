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


def exit_status(stop_reason: str = "", input_errors: int = 0, errors: int = 0, pending: int = 0,
                fail_on_pending: bool = False) -> ExitStatus:
    """The one rule from what a run found to its exit code, most serious first: the endpoint failed (3), the
    budget stopped it (4), input was left out (2), something to fix (1, pending text too with fail_on_pending)."""
    if stop_reason == "provider":
        return ExitStatus.PROVIDER_FAILURE
    if stop_reason == "budget":
        return ExitStatus.BUDGET_REACHED
    if input_errors:
        return ExitStatus.INPUT_ERROR
    if errors or (fail_on_pending and pending):
        return ExitStatus.FINDINGS
    return ExitStatus.SUCCESS
