"""A finding: one violation of one rule by one schema object."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    rule: str  # stable rule id, e.g. "pk-uuid"
    table: str | None
    object: str | None  # column(s), constraint, index, trigger or chain
    expected: str
    actual: str
    hint: str
    severity: str = ERROR

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        """One-line rendering for terminal output and assertion messages."""
        where = ".".join(p for p in (self.table, self.object) if p)
        return (
            f"[{self.rule}] {where}: expected {self.expected}, "
            f"found {self.actual} ({self.hint})"
        )
