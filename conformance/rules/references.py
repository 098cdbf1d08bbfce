"""Missing keys: a column that names another table's row needs its key."""

from __future__ import annotations

from conformance.catalog import Catalog, Table
from conformance.contract import Contract
from conformance.findings import Finding
from conformance.rules import SCHEMA, rule


def plurals(singular: str) -> tuple[str, ...]:
    """Simple English plurals of a table's row noun: track -> tracks,
    box -> boxes, category -> categories, status -> statuses."""
    forms = [singular + "s", singular + "es"]
    if singular.endswith("y") and singular[-2:-1] not in tuple("aeiou"):
        forms.append(singular[:-1] + "ies")
    if singular.endswith(("f", "fe")):
        forms.append(singular.rsplit("f", 1)[0] + "ves")
    forms.append(singular)  # tables named in the singular
    return tuple(forms)


def referenced_table(
    column: str, catalog: Catalog, contract: Contract
) -> str | None:
    """The table a column names, by the contract or by convention."""
    declared = contract.references.get(column)
    if declared is not None:
        return declared if declared in catalog.tables else None
    if not column.endswith("_id") or column == "_id":
        return None
    for name in plurals(column[: -len("_id")]):
        if name in catalog.tables:
            return name
    return None


@rule("missing-fk", "a column naming another table's row "
      "(<singular>_id, user_id/owner_id, [references]) has a foreign key",
      SCHEMA, "table")
def missing_fk(table: Table, catalog: Catalog, contract: Contract):
    keyed = {c for fk in table.foreign_keys for c in fk.columns}
    found = []
    for column in table.columns:
        target = referenced_table(column, catalog, contract)
        if target is None or column in keyed:
            continue
        found.append(Finding(
            "missing-fk", table.name, column,
            expected=f"FOREIGN KEY ({column}) REFERENCES {target}",
            actual="no foreign key",
            hint=f"its rows outlive every delete of {target}; add the key "
                 "with an explicit ON DELETE",
        ))
    return found
