"""A QA finding: one named problem in one field, with a message a seller can act on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """What a check found. Severity 'error' must be fixed before upload; 'warning' should be looked at."""

    check: str
    severity: str
    message: str
    field: str = ""
    term: str = ""

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v}
