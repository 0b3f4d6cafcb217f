"""Query structures are refused for every input kind; SD data items never count as the structure
(issue 18, items 4 and 5)."""

from __future__ import annotations

import pytest
from rdkit import Chem

from chemaudit.chemistry import AuditOptions, audit
from tests.unit.chemistry.conftest import check

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"


def _molblock(atoms: list[str], bonds: list[tuple[int, int, int]]) -> str:
    lines = ["query", "  hand-made", "", f"{len(atoms):3d}{len(bonds):3d}  0  0  0  0  0  0  0  0999 V2000"]
    for i, symbol in enumerate(atoms):
        lines.append(f"{i * 1.5:10.4f}{0:10.4f}{0:10.4f} {symbol:<3} 0  0  0  0  0  0  0  0  0  0  0  0")
    lines += [f"{a:3d}{b:3d}{kind:3d}  0" for a, b, kind in bonds]
    return "\n".join(lines + ["M  END"]) + "\n"


def _refused(result: dict, reason: str) -> None:
    assert result["status"] == "error", result["validation"]["overall_score"]
    assert result["error"].startswith(reason + ":"), result["error"]
    assert result["validation"]["overall_score"] == 0
    assert check(result, "parsability")["passed"] is False


@pytest.mark.parametrize("atoms, bonds, named", [
    (["C", "A", "O"], [(1, 2, 1), (2, 3, 1)], "atom 2 (A)"),
    (["C", "Q", "O"], [(1, 2, 1), (2, 3, 1)], "atom 2 (Q)"),
    (["C", "C", "O"], [(1, 2, 5), (2, 3, 1)], "bond 1-2 (type 5"),
    (["C", "C", "O"], [(1, 2, 6), (2, 3, 1)], "bond 1-2 (type 6"),
    (["C", "C", "O"], [(1, 2, 7), (2, 3, 1)], "bond 1-2 (type 7"),
    (["C", "C", "O"], [(1, 2, 8), (2, 3, 1)], "bond 1-2 (type 8"),
])
def test_a_query_molblock_is_refused_like_smarts_given_as_smiles(atoms, bonds, named):
    block = _molblock(atoms, bonds)
    for kind in ("mol", "auto"):
        result = audit(block, kind)
        _refused(result, "query_structure")
        assert named in result["error"], result["error"]
    _refused(audit("[#6]~[#7]", "smiles"), "smarts_not_smiles")


def test_plain_and_dummy_atom_molblocks_are_still_molecules():
    assert audit(_molblock(["C", "C", "O"], [(1, 2, 1), (2, 3, 1)]), "mol")["status"] == "success"
    # A '*' (attachment point) is a dummy atom in a molblock just as in a SMILES: not a query.
    assert audit(_molblock(["C", "*"], [(1, 2, 1)]), "mol")["status"] == audit("*C", "smiles")["status"]


def _aspirin_record(description: str) -> str:
    block = Chem.MolToMolBlock(Chem.MolFromSmiles(ASPIRIN))
    return f"{block}> <description>\n{description}\n\n> <id>\nASP-1\n\n"


def test_sd_data_items_do_not_count_towards_the_structure_size_limit():
    result = audit(_aspirin_record("x" * 101_000), "mol")
    assert result["status"] == "success", result["error"]
    assert result["validation"]["inchikey"] == "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"


def test_the_structure_itself_still_has_its_size_limit():
    small = AuditOptions(max_input_chars=500)
    result = audit(_aspirin_record("short"), "mol", small)
    assert result["status"] == "error" and result["error"].startswith("input_too_large:")
    assert "characters > limit 500" in result["error"]


def test_a_cxsmiles_query_label_is_refused_too():
    _refused(audit("C* |$;Q_e$|", "smiles"), "query_structure")
