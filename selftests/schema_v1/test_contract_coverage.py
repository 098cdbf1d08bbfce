"""Every foreign key of V1 is in the contract, with its action and reason."""

from __future__ import annotations

from conformance.catalog import reflect

ACTIONS = {"ownership": ("CASCADE",), "reference": ("SET NULL", "RESTRICT")}


def entry(contract: dict, table: str, columns: tuple[str, ...]) -> dict:
    keys = contract["tables"].get(table, {}).get("keys", {})
    return keys.get(",".join(columns), {})


def test_every_foreign_key_has_a_contract_entry_with_a_reason(
    v1_db, v1_contract
):
    catalog = reflect(v1_db)

    problems = []
    for fk in catalog.foreign_keys:
        where = f"{fk.table}.{','.join(fk.columns)}"
        key = entry(v1_contract, fk.table, fk.columns)
        if not (key.get("reason") or "").strip():
            problems.append(f"{where}: no reason in fixtures/contract.toml")
        elif key.get("on_delete") != fk.on_delete:
            problems.append(f"{where}: contract says {key.get('on_delete')}"
                            f", catalog says {fk.on_delete}")
        elif fk.on_delete not in ACTIONS.get(key.get("kind"), ()):
            problems.append(f"{where}: {fk.on_delete} is not a "
                            f"{key.get('kind')} action")

    assert len(catalog.foreign_keys) > 30
    assert problems == []


def test_every_contract_key_exists_in_the_catalog(v1_db, v1_contract):
    catalog = reflect(v1_db)
    real = {(fk.table, ",".join(fk.columns)) for fk in catalog.foreign_keys}

    declared = {
        (table, key)
        for table, body in v1_contract["tables"].items()
        for key in body.get("keys", {})
    }

    assert sorted(declared - real) == [], "stale entries in contract.toml"


def test_every_table_says_soft_delete_and_has_a_doc(v1_contract):
    missing = [
        name for name, body in v1_contract["tables"].items()
        if not isinstance(body.get("soft_delete"), bool)
        or not body.get("doc", "").strip()
    ]

    assert v1_contract["roots"][0] == "users"
    assert missing == [], "tables without soft_delete or doc"


def test_soft_delete_matches_the_deleted_at_column(v1_db, v1_contract):
    catalog = reflect(v1_db)

    wrong = [
        name for name, table in catalog.tables.items()
        if ("deleted_at" in table.columns)
        != v1_contract["tables"][name]["soft_delete"]
    ]

    assert wrong == [], "soft_delete disagrees with deleted_at"
