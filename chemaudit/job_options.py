"""The per-job audit option flags: one list, read by the upload form, /validate, the workers, the
CLI, the OpenAPI document and the dashboard. Loads no RDKit, so the client and the web node can
import it. Each name is also a field of chemaudit.chemistry.options.AuditOptions.

A new flag is one entry here (plus what it does in the chemistry)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OptionFlag:
    name: str  # the form field, the JSON key, the jobs.options key and the AuditOptions field
    cli: str  # the `chemaudit submit|audit` flag, without its dashes
    label: str  # the dashboard checkbox's text
    help: str  # one line for the CLI help and the OpenAPI description


OPTION_FLAGS: tuple[OptionFlag, ...] = (
    OptionFlag("include_extended_safety", "extended-safety", "Extended safety alerts",
               "also screen the NIH and ZINC alert catalogs"),
    OptionFlag("include_chembl_alerts", "chembl-alerts", "ChEMBL alert sets",
               "also screen the seven ChEMBL alert catalogs"),
    OptionFlag("include_standardization", "standardize", "ChEMBL standardization",
               "run the ChEMBL structure pipeline"),
    OptionFlag("score_parent", "score-parent", "Score the parent, not the whole record",
               "drug-likeness, SA and ML-readiness of the largest fragment instead of the whole record "
               "(ChemAudit scores the whole record)"),
    OptionFlag("include_profiling", "compound-profile", "Compound profile (PFI, stars, bioavailability)",
               "compound profile: PFI, #stars, Abbott bioavailability, consensus logP, skin permeation"),
    OptionFlag("include_safety_assessment", "safety-assessment", "Safety assessment (CYP, hERG, bRo5, REOS)",
               "safety assessment: CYP soft spots, hERG risk, beyond-rule-of-5, REOS, complexity outliers"),
)
OPTION_NAMES: tuple[str, ...] = tuple(flag.name for flag in OPTION_FLAGS)


def cli_attribute(flag: OptionFlag) -> str:
    """The argparse attribute of the flag's CLI option."""
    return flag.cli.replace("-", "_")


def stored_flags(options: dict) -> dict[str, bool]:
    """The flags of a job's stored options (jobs.options), absent ones false."""
    return {name: bool(options.get(name)) for name in OPTION_NAMES}
