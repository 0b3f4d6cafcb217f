"""What one audit runs: ChemAudit's batch flags, an optional check subset and the size guards."""

from __future__ import annotations

from dataclasses import dataclass, fields

from chemaudit.errors import InvalidOption

# Fields that AuditOptions.from_settings copies from chemaudit.settings.Settings.
GUARD_FIELDS = ("max_input_chars", "max_heavy_atoms", "max_fragments", "max_rings")
# RDKit's SMILES writer segfaults on a linear chain somewhere between 15,000 and 20,000 atoms
# (measured with 2026.09.1); no setting may let such a molecule through.
HEAVY_ATOM_CEILING = 10_000


@dataclass(frozen=True)
class AuditOptions:
    include_extended_safety: bool = False  # NIH and ZINC alert catalogs
    include_chembl_alerts: bool = False  # the seven ChEMBL alert catalogs
    include_standardization: bool = False  # ChEMBL structure pipeline
    score_parent: bool = False  # drug-likeness, SA, ML-readiness of the parent, not the whole record
    include_profiling: bool = False  # ChemAudit's compound profile block (PFI, stars, Abbott, ...)
    include_safety_assessment: bool = False  # ChemAudit's safety block (CYP, hERG, bRo5, REOS, complexity)
    checks: tuple[str, ...] | None = None  # None: every check, else these names only
    max_input_chars: int = 100_000
    max_heavy_atoms: int = 1_000
    max_fragments: int = 200
    max_rings: int = 200

    def __post_init__(self) -> None:
        if self.checks is not None:
            # Accept any iterable of names (a list from JSON) but store a tuple: the object stays hashable.
            names = (self.checks,) if isinstance(self.checks, str) else tuple(self.checks)
            object.__setattr__(self, "checks", names)
            from chemaudit.chemistry.checks import CHECK_NAMES

            unknown = sorted(set(names) - set(CHECK_NAMES))
            if unknown:
                raise InvalidOption(f"unknown check name(s): {', '.join(unknown)}", code="unknown_check")
        for name in GUARD_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidOption(f"{name} must be a positive integer, got {value!r}")
        if self.max_heavy_atoms > HEAVY_ATOM_CEILING:
            raise InvalidOption(f"max_heavy_atoms above {HEAVY_ATOM_CEILING} would let RDKit crash the worker")

    @classmethod
    def from_settings(cls, settings, **flags) -> AuditOptions:
        """The guard limits from a Settings object; the per-job flags from keyword arguments."""
        known = {f.name for f in fields(cls)}
        unexpected = sorted(set(flags) - known)
        if unexpected:
            raise InvalidOption(f"unknown audit option(s): {', '.join(unexpected)}")
        values = {name: getattr(settings, name) for name in GUARD_FIELDS}
        values.update(flags)
        return cls(**values)

    def wants(self, check_name: str) -> bool:
        return self.checks is None or check_name in self.checks
