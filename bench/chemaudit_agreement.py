"""Check-by-check agreement with ChemAudit 2.0 on RDKit's real sets (issue 19).

    python bench/chemaudit_agreement.py              # NCI first 1,000 + WEHI first 1,000 + NCI 200 SDF
    python bench/chemaudit_agreement.py -n 300 --examples 3

ChemAudit is not installed: its rule for each check is re-stated in
tests/support/chemaudit_rules.py and run on the molecule its batch worker would check
(MolFromSmiles of the record's SMILES; an SDF record is first written as SMILES, as its file
parser does). For each check: records we flag, records its rule flags, and the records only one
side flags, with example SMILES. Then overall_score, QED, SA and Lipinski agreement. Nothing
asserts here; tests/unit/chemistry/test_chemaudit_agreement.py pins the verdicts.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from rdkit import Chem, rdBase

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chemaudit.chemistry import audit, descriptors, warm_up  # noqa: E402
from tests.support import chemaudit_rules as ref  # noqa: E402
from tests.support.real_sets import records  # noqa: E402


def compare(rows, examples: int) -> None:
    stats = defaultdict(lambda: {"ours": 0, "theirs": 0, "only_theirs": [], "only_ours": []})
    scored = same_set = same_score = same_score_when_same_set = 0
    qed_same = sa_same = lipinski_same = 0
    by_set = defaultdict(int)
    for source, kind, text in rows:
        mol = ref.read(text, kind)
        ours = audit(text, kind)
        if mol is None or ours["status"] != "success":
            continue
        by_set[source] += 1
        shown = Chem.MolToSmiles(mol)
        theirs = ref.failed_checks(mol)
        mine = {c["check_name"]: c["severity"] for c in ours["validation"]["issues"]}
        for name in ref.RULES:
            entry = stats[name]
            entry["ours"] += name in mine
            entry["theirs"] += name in theirs
            if (name in theirs) != (name in mine):
                entry["only_theirs" if name in theirs else "only_ours"].append(shown)
        scored += 1
        agree = {k: v for k, v in mine.items() if k in ref.RULES} == theirs
        same_set += agree
        score_equal = ours["validation"]["overall_score"] == ref.overall_score(theirs)
        same_score += score_equal
        same_score_when_same_set += agree and score_equal
        drug = ref.druglikeness(mol)
        mine_drug = ours["scoring"]["druglikeness"]
        qed_same += drug["qed_score"] == mine_drug["qed_score"]
        lipinski_same += drug["lipinski_passed"] == mine_drug["lipinski_passed"]
        sa = descriptors.sa_score(mol)
        sa_same += sa is not None and round(sa, 2) == ours["scoring"]["admet"]["sa_score"]
    print(f"records audited by both: {scored} ({', '.join(f'{k} {v}' for k, v in by_set.items())})\n")
    print(f"{'check':30} {'ours':>5} {'theirs':>6} {'only theirs':>11} {'only ours':>9}  examples")
    for name in ref.RULES:
        e = stats[name]
        sample = "; ".join([f"T {s}" for s in e["only_theirs"][:examples]] + [f"O {s}" for s in e["only_ours"][:examples]])
        print(f"{name:30} {e['ours']:5d} {e['theirs']:6d} {len(e['only_theirs']):11d} {len(e['only_ours']):9d}  {sample}")
    pct = lambda n: f"{n} ({100.0 * n / scored:.1f} %)"  # noqa: E731
    print(f"\nsame set of failed checks:           {pct(same_set)}")
    print(f"same overall_score:                  {pct(same_score)}")
    print(f"same score where the sets agree:     {same_score_when_same_set} of {same_set}")
    print(f"same QED / SA / Lipinski verdict:    {pct(qed_same)} / {pct(sa_same)} / {pct(lipinski_same)}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="SMILES taken from each of NCI and WEHI")
    parser.add_argument("--examples", type=int, default=2, help="example SMILES shown per side")
    args = parser.parse_args(argv)
    warm_up()
    with rdBase.BlockLogs():
        compare(records(args.n, args.n), args.examples)


if __name__ == "__main__":
    main()
