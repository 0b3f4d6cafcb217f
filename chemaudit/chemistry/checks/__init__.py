"""The checks, in the one explicit order results and list_checks() use (no registration by import)."""

from __future__ import annotations

from chemaudit.chemistry.checks.basic import (
    Aromaticity,
    Connectivity,
    InputTooLarge,
    Parsability,
    Sanitization,
    Valence,
)
from chemaudit.chemistry.checks.complexity import (
    ChargedSpecies,
    ExplicitHydrogenAudit,
    HypervalentAtoms,
    MacrocycleDetection,
    PolymerDetection,
    RingStrain,
)
from chemaudit.chemistry.checks.composition import (
    InorganicFilter,
    IsotopeLabelDetection,
    MixtureDetection,
    RadicalDetection,
    SolventContamination,
    TrivialMolecule,
)
from chemaudit.chemistry.checks.deep import AromaticSystemValidation, CoordinateDimension, TautomerDetection
from chemaudit.chemistry.checks.representation import InchiGeneration, InchiRoundtrip, SmilesRoundtrip
from chemaudit.chemistry.checks.stereo_checks import (
    ConflictingStereo,
    StereoisomerEnumeration,
    UndefinedDoubleBondStereo,
    UndefinedStereocenters,
)

# Input checks run before a molecule exists; they are the only ones an unreadable input reports.
INPUT_CHECKS = (InputTooLarge(), Parsability(), Sanitization(), Valence(), Aromaticity())

# The other 23 of ChemAudit's 27 checks (4 are input checks above), in ChemAudit's order.
MOLECULE_CHECKS = (
    Connectivity(),
    SmilesRoundtrip(),
    InchiGeneration(),
    InchiRoundtrip(),
    UndefinedStereocenters(),
    UndefinedDoubleBondStereo(),
    ConflictingStereo(),
    StereoisomerEnumeration(),
    TautomerDetection(),
    AromaticSystemValidation(),
    CoordinateDimension(),
    MixtureDetection(),
    SolventContamination(),
    InorganicFilter(),
    RadicalDetection(),
    IsotopeLabelDetection(),
    TrivialMolecule(),
    HypervalentAtoms(),
    PolymerDetection(),
    RingStrain(),
    MacrocycleDetection(),
    ChargedSpecies(),
    ExplicitHydrogenAudit(),
)

CHECKS = INPUT_CHECKS + MOLECULE_CHECKS
CHECK_NAMES = tuple(check.name for check in CHECKS)


def list_checks() -> list[dict]:
    """Every check as {name, category, severity, explanation}, in result order."""
    return [check.describe() for check in CHECKS]
