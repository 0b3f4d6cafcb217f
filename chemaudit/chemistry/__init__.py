"""The chemistry engine: every check, alert, standardization and score of one molecule, as pure functions.

    from chemaudit.chemistry import AuditOptions, audit, list_checks, warm_up
    result = audit("CC(=O)Oc1ccccc1C(=O)O", "smiles", AuditOptions())

No database, no network; a bad molecule is a result with status "error", never an exception.
"""

from chemaudit.chemistry.audit import audit, warm_up
from chemaudit.chemistry.checks import list_checks
from chemaudit.chemistry.options import AuditOptions

__all__ = ["AuditOptions", "audit", "list_checks", "warm_up"]
