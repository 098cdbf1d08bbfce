"""Contract loading: one-line errors naming file and key, and the
conventions that apply where the contract is silent."""

from __future__ import annotations

import pytest

from conformance.catalog import Catalog, Column, ForeignKey, Table
from conformance.contract import OWNERSHIP, REFERENCE, Contract, ContractError


def col(name: str, nullable: bool = True, sql_type: str = "uuid") -> Column:
    return Column(name, sql_type, nullable, None)


def catalog() -> Catalog:
    users = Table("users", {"id": col("id", False), "deleted_at":
                            col("deleted_at", True, "timestamp with time zone")},
                  ("id",))
    fks = (
        ForeignKey("t_user_id_fkey", "t", ("user_id",), "users", ("id",),
                   "CASCADE"),
        ForeignKey("t_editor_id_fkey", "t", ("editor_id",), "users",
                   ("id",), "SET NULL"),
    )
    t = Table("t", {"id": col("id", False), "user_id": col("user_id", False),
                    "editor_id": col("editor_id")}, ("id",), fks)
    return Catalog("15", {"users": users, "t": t})


def load(tmp_path, text: str) -> Contract:
    path = tmp_path / "contract.toml"
    path.write_text(text)
    return Contract.load(path)


@pytest.mark.parametrize("text, key, says", [
    ("roots = [", "", "not valid TOML"),
    ("colour = 1", "colour", "unknown key"),
    ("[tables.t]\nsoft = true", "tables.t.soft", "unknown key"),
    ("[tables.t]\nsoft_delete = 'yes'", "tables.t.soft_delete",
     "must be true or false"),
    ("[tables.t.keys.user_id]\nkind = 'owner'", "tables.t.keys.user_id.kind",
     "'owner' is not one of"),
    ("[tables.t.keys.user_id]\nkind = 'ownership'\non_delete = 'RESTRICT'",
     "tables.t.keys.user_id.on_delete", "not allowed for kind ownership"),
    ("[tables.t.keys.user_id]\non_delete = 'EXPLODE'",
     "tables.t.keys.user_id.on_delete", "'EXPLODE' is not allowed"),
    ("roots = 'users'", "roots", "must be a list"),
    ("[[exceptions]]\nrule = 'deletion-reach'\ntable = 't'",
     "exceptions[0].reason", "missing"),
])
def test_malformed_contract_is_one_line_naming_the_key(tmp_path, text, key,
                                                        says):
    with pytest.raises(ContractError) as error:
        load(tmp_path, text)

    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'contract.toml'}: {key}")
    assert says in message


def test_missing_file_says_how_to_go_without(tmp_path):
    with pytest.raises(ContractError, match="--contract none"):
        Contract.load(tmp_path / "absent.toml")


@pytest.mark.parametrize("text, message", [
    ("[tables.nope]", "tables.nope: no table nope in the schema"),
    ("[tables.t.keys.bar]\nkind = 'reference'",
     "tables.t.keys.bar: no column t.bar"),
    ("[tables.t.keys.id]\nkind = 'reference'",
     "tables.t.keys.id: no foreign key on t(id)"),
    ("roots = ['accounts']", "roots[0]: no table accounts"),
    ("[references]\nauthor_id = 'authors'",
     "references.author_id: no table authors"),
    ("[[exceptions]]\nrule = 'no-such-rule'\ntable = 't'\nreason = 'x'",
     "exceptions[0].rule: unknown rule 'no-such-rule'"),
    ("[[exceptions]]\nrule = 'fk-indexed'\ntable = 't'\nobject = 'zz'\n"
     "reason = 'x'", "exceptions[0].object: nothing named 'zz' on t"),
])
def test_contract_naming_what_does_not_exist(tmp_path, text, message):
    contract = load(tmp_path, text)

    with pytest.raises(ContractError) as error:
        contract.validate(catalog())

    text = str(error.value)
    assert text.startswith(f"{tmp_path / 'contract.toml'}: {message}")
    assert "\n" not in text


def test_conventions_where_the_contract_is_silent():
    contract = Contract.conventions_only()
    cat = catalog()
    contract.validate(cat)
    owner, editor = cat.tables["t"].foreign_keys

    assert contract.kind_for(owner) == OWNERSHIP
    assert contract.kind_for(editor) == REFERENCE
    assert contract.expected_action(owner) is None
    assert contract.is_soft_delete("users") is True
    assert contract.is_soft_delete("t") is False
    assert contract.references["owner_id"] == "users"


def test_contract_overrides_conventions(tmp_path):
    contract = load(tmp_path, """
roots = ["users"]
[tables.users]
soft_delete = false
[tables.t.keys.user_id]
kind = "reference"
on_delete = "restrict"
reason = "kept"
[[exceptions]]
rule = "fk-indexed"
table = "t"
object = "user_id"
reason = "tiny table"
""")
    cat = catalog()
    contract.validate(cat)
    owner = cat.tables["t"].foreign_keys[0]

    assert contract.kind_for(owner) == REFERENCE
    assert contract.expected_action(owner) == "RESTRICT"
    assert contract.reason_for(owner) == "kept"
    assert contract.is_soft_delete("users") is False
    assert contract.exception_for("fk-indexed", "t", "user_id") == "tiny table"
    assert contract.exception_for("fk-indexed", "t", "editor_id") is None
    assert contract.tables == ("users", "t")
