"""Errors a seller can act on. The CLI turns each into one line and an exit code."""

from __future__ import annotations

from xborder.status import ExitStatus


class XborderError(Exception):
    """Base of every error xborder raises on purpose; its message is shown to the user as is."""

    exit_code: int = ExitStatus.INPUT_ERROR


class InputError(XborderError):
    """A file the user gave cannot be used (not a spreadsheet, no header, missing column)."""

    def __init__(self, message: str, *, file: str | None = None, sheet: str | None = None,
                 row: int | None = None, column: str | None = None):
        self.file, self.sheet, self.row, self.column = file, sheet, row, column
        self.detail = message
        super().__init__(locate(file, sheet, row, column) + message)


class ConfigError(XborderError):
    """xborder.toml or a command-line option holds a value that makes no sense."""


class ProviderError(XborderError):
    """The model endpoint refused the key or the model, or kept failing after retries."""

    exit_code = ExitStatus.PROVIDER_FAILURE


def locate(file: str | None, sheet: str | None = None, row: int | None = None,
           column: str | None = None) -> str:
    """Render 'catalog.xlsx, sheet 产品, row 7, column 出厂价: ' for the start of a message."""
    parts = []
    if file:
        parts.append(str(file))
    if sheet:
        parts.append(f"sheet {sheet}")
    if row is not None:
        parts.append(f"row {row}")
    if column:
        parts.append(f"column {column}")
    return ", ".join(parts) + ": " if parts else ""
