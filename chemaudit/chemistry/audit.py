"""audit(): one input text in, one JSON-ready result out; never raises for a molecule."""

from __future__ import annotations

import logging
from typing import Any

from rdkit import Chem, rdBase
from rdkit.Chem import rdMolDescriptors

from chemaudit.chemistry import (
    alerts,
    cyp_softspots,
    descriptors,
    fragments,
    ionization,
    profiling,
    safety_assessment,
    scoring,
    standardize,
    tautomers,
)
from chemaudit.chemistry.checks import INPUT_CHECKS, MOLECULE_CHECKS
from chemaudit.chemistry.checks.base import Check, Outcome, overall_score
from chemaudit.chemistry.context import MolContext
from chemaudit.chemistry.options import AuditOptions
from chemaudit.chemistry.parsing import KINDS, Failure, Parsed, parse
from chemaudit.chemistry.rdlog import TOOLKIT_LOCK, truncate

log = logging.getLogger(__name__)

_DEFAULT = AuditOptions()
_TOOLKIT_ERRORS = (Chem.rdchem.MolSanitizeException, ValueError, RuntimeError)
# Which input checks an unreadable input reports, by the check that stopped it.
_REACHED = {"input_too_large": 1, "parsability": 2, "sanitization": 5}


def audit(text: str, kind: str = "auto", options: AuditOptions = _DEFAULT) -> dict:
    """Audit one molecule given as SMILES, molblock/SDF record or InChI ("auto" sniffs which)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    try:
        # The lock makes RDKit's process-wide log ours for the whole audit: warnings are blocked
        # (no per-molecule chatter on the worker's stderr); parsing captures the errors it reports.
        with TOOLKIT_LOCK, rdBase.BlockLogs():
            return _audit(text, kind, options)
    except Exception as exc:  # the boundary: an unexpected toolkit failure becomes an error result
        log.exception("chemistry audit failed unexpectedly (kind=%s, %d chars)", kind, len(text or ""))
        return _error_result(f"internal_error: {type(exc).__name__}: {truncate(str(exc), 300)}",
                             {"input_format": kind}, [])


def _audit(text: str, kind: str, options: AuditOptions) -> dict:
    parsed = parse(text, kind, options)
    if parsed.failure is not None:
        return _unreadable(parsed, parsed.failure, options)
    ctx = MolContext(parsed, options)
    results = [_run(check, ctx) for check in INPUT_CHECKS + MOLECULE_CHECKS if options.wants(check.name)]
    info = ctx.inchi
    validation: dict[str, Any] = {
        "overall_score": overall_score(results),
        "canonical_smiles": ctx.canonical_smiles,
        "inchi": info.inchi or None,
        "inchikey": info.inchikey or None,
        "molecule_info": ctx.molecule_info(),
        "all_checks": results,
        "issues": [r for r in results if not r["passed"]],
    }
    if parsed.messages:
        validation["molecule_info"]["toolkit_messages"] = parsed.messages
    profile = scoring.scored_profile(ctx)
    return {
        "status": "success",
        "error": None,
        "validation": validation,
        "alerts": alerts.screen(ctx.mol, alerts.catalogs_for(options), ctx.fingerprint),
        "scoring": scoring.compute(ctx, ctx.roundtrip_smiles == ctx.canonical_smiles, profile),
        "standardization": standardize.standardize(ctx) if options.include_standardization else None,
        "profiling": _block(_profiling, ctx, profile) if options.include_profiling else None,
        "safety_assessment": _block(_safety, ctx, profile) if options.include_safety_assessment else None,
    }


def _scored_heavy_mol(ctx: MolContext) -> Chem.Mol:
    """The scored molecule without hydrogen atoms (the reader keeps isotopic ones), as the
    descriptors see it."""
    mol = scoring.scored_mol(ctx)
    if any(atom.GetAtomicNum() == 1 for atom in mol.GetAtoms()):
        mol = Chem.RemoveHs(mol)
    return mol


def _profiling(ctx: MolContext, profile: descriptors.Profile) -> dict:
    return profiling.profile(_scored_heavy_mol(ctx), profile, scoring.lipinski_violations(profile),
                             scoring.scored_on(ctx))


def _safety(ctx: MolContext, profile: descriptors.Profile) -> dict:
    return safety_assessment.assess(_scored_heavy_mol(ctx), profile, scoring.scored_on(ctx))


def _block(compute, ctx: MolContext, profile: descriptors.Profile) -> dict:
    """An optional block; `{"error": ...}` (as ChemAudit's batch gives) when the toolkit cannot make it."""
    try:
        return compute(ctx, profile)
    except _TOOLKIT_ERRORS as exc:
        return {"error": truncate(f"{type(exc).__name__}: {exc}", 300)}


def _run(check: Check, ctx: MolContext) -> dict:
    try:
        outcome = check.check(ctx)
    except _TOOLKIT_ERRORS as exc:  # one check the toolkit cannot do must not sink the others
        outcome = Outcome(False, f"Check could not run: {truncate(str(exc), 200)}",
                          details={"error": type(exc).__name__})
    return check.result(outcome)


def _unreadable(parsed: Parsed, failure: Failure, options: AuditOptions) -> dict:
    """Error result: the input checks that were reached (failures always shown), score 0."""
    ctx = MolContext(parsed, options)
    reached = INPUT_CHECKS[: _REACHED[failure.check]]
    results = []
    for check in reached:
        result = check.result(check.check(ctx))
        if options.wants(check.name) or not result["passed"]:
            results.append(result)
    info = {"input_format": parsed.kind, **parsed.size.as_details()}
    if parsed.raw is not None:
        raw = Chem.Mol(parsed.raw)
        raw.UpdatePropertyCache(strict=False)
        info.update(num_atoms=raw.GetNumAtoms(), num_heavy_atoms=raw.GetNumHeavyAtoms(),
                    molecular_formula=rdMolDescriptors.CalcMolFormula(raw))
    if parsed.messages:
        info["toolkit_messages"] = parsed.messages
    return _error_result(failure.error, info, results)


def _error_result(error: str, info: dict, results: list[dict]) -> dict:
    validation = {"overall_score": 0, "canonical_smiles": None, "inchi": None, "inchikey": None,
                  "molecule_info": info, "all_checks": results,
                  "issues": [r for r in results if not r["passed"]]}
    return {"status": "error", "error": error, "validation": validation, "alerts": alerts.no_alerts(),
            "scoring": None, "standardization": None, "profiling": None, "safety_assessment": None}


def warm_up() -> None:
    """Build every per-process cache (alert catalogs, screens, SA fragment scores, salt and solvent
    lists, tautomer enumerator) and run one audit, so the first real molecule is not slow."""
    with TOOLKIT_LOCK:
        alerts.warm_up()
        cyp_softspots.warm_up()
        ionization.warm_up()
        descriptors.warm_up()
        fragments.warm_up()
        tautomers.warm_up()
        standardize.warm_up()
        audit("CC(=O)Oc1ccccc1C(=O)O.[Na+].[Cl-]", "smiles",
              AuditOptions(include_extended_safety=True, include_chembl_alerts=True, include_standardization=True,
                           include_profiling=True, include_safety_assessment=True))
