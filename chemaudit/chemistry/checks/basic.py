"""Input-level checks: size guard, parsing, sanitisation, valence, aromaticity, connectivity.

The first five read `ctx.parsed` only, so they also report on inputs that never became a molecule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chemaudit.chemistry import guards
from chemaudit.chemistry.checks.base import CRITICAL, ERROR, WARNING, Check, Outcome, plural

if TYPE_CHECKING:  # only the type: checks never build a context
    from chemaudit.chemistry.context import MolContext
    from chemaudit.chemistry.parsing import Failure

_VALENCE_TYPES = ("AtomValenceException",)
_AROMATIC_TYPES = ("AtomKekulizeException", "KekulizeException")


def _failure(ctx: MolContext, check_name: str) -> Failure | None:
    failure = ctx.parsed.failure
    return failure if failure is not None and failure.check == check_name else None


def _problems(ctx: MolContext, types: tuple[str, ...]) -> list[dict]:
    failure = ctx.parsed.failure
    return [p for p in failure.problems if p["type"] in types] if failure is not None else []


class InputTooLarge(Check):
    name = "input_too_large"
    category = "input"
    severity = CRITICAL
    explanation = "Input is within the size limits (characters, heavy atoms, fragments, rings)"

    def check(self, ctx: MolContext) -> Outcome:
        failure = _failure(ctx, self.name)
        if failure:
            return Outcome(False, f"Input too large to audit: {failure.message}", details=failure.details)
        details = {"limits": guards.limits(ctx.options)}
        if ctx.parsed.size.exact:
            details.update(ctx.parsed.size.as_details())
        return Outcome(True, "Input is within the size limits", details=details)


class Parsability(Check):
    name = "parsability"
    category = "basic"
    severity = CRITICAL
    explanation = "Input can be read as exactly one molecule (not empty, not a reaction, SMARTS or InChI)"

    def check(self, ctx: MolContext) -> Outcome:
        failure = _failure(ctx, self.name)
        if failure:
            details = {"reason": failure.reason, "input_format": ctx.parsed.kind}
            return Outcome(False, f"Input could not be parsed: {failure.error}", details=details)
        mol = ctx.parsed.mol if ctx.parsed.mol is not None else ctx.parsed.raw
        assert mol is not None, "an input past parsing has at least its raw graph"
        return Outcome(True, "Molecule successfully parsed",
                       details={"input_format": ctx.parsed.kind, "num_atoms": mol.GetNumAtoms(),
                                "num_bonds": mol.GetNumBonds()})


class Sanitization(Check):
    name = "sanitization"
    category = "basic"
    severity = ERROR
    explanation = "Molecule passes RDKit sanitisation (valences, kekulisation, aromaticity)"

    def check(self, ctx: MolContext) -> Outcome:
        failure = _failure(ctx, self.name)
        if failure:
            problems = failure.problems
            atoms = [a for p in problems for a in p["atoms"]]
            steps = sorted({"valence" if p["type"] in _VALENCE_TYPES else "kekulization" for p in problems})
            return Outcome(False, f"Sanitization failed: {failure.message}", atoms,
                           {"failed_steps": steps, "problems": problems})
        return Outcome(True, "Molecule sanitizes successfully")


class Valence(Check):
    name = "valence"
    category = "basic"
    severity = CRITICAL
    explanation = "Every atom has a valence RDKit allows for its element and charge"

    def check(self, ctx: MolContext) -> Outcome:
        problems = _problems(ctx, _VALENCE_TYPES)
        if problems:
            messages = [p["message"] for p in problems]
            return Outcome(False, "Valence errors detected: " + "; ".join(messages),
                           [a for p in problems for a in p["atoms"]], {"issues": messages})
        return Outcome(True, "All atoms have valid valences")


class Aromaticity(Check):
    name = "aromaticity"
    category = "basic"
    severity = ERROR
    explanation = "Aromatic systems can be kekulised (a valid alternating single/double bond form exists)"

    def check(self, ctx: MolContext) -> Outcome:
        problems = _problems(ctx, _AROMATIC_TYPES)
        if problems:
            messages = [p["message"] for p in problems]
            return Outcome(False, "Kekulization failed: " + "; ".join(messages),
                           [a for p in problems for a in p["atoms"]], {"issues": messages})
        if ctx.parsed.failure is not None:
            return Outcome(True, "No kekulization problem found")
        aromatic = sum(1 for atom in ctx.atoms if atom.GetIsAromatic())
        if not aromatic:
            return Outcome(True, "No aromatic atoms present", details={"aromatic_atoms": 0})
        return Outcome(True, "Aromatic rings kekulize successfully", details={"aromatic_atoms": aromatic})


class Connectivity(Check):
    name = "connectivity"
    category = "basic"
    severity = WARNING
    explanation = "Molecule is one connected component (several fragments mean a salt or mixture)"

    def check(self, ctx: MolContext) -> Outcome:
        frags = ctx.fragments
        if len(frags) == 1:
            return Outcome(True, "Molecule is fully connected", details={"num_fragments": 1})
        return Outcome(False, f"Molecule has {plural(len(frags), 'disconnected fragment')}",
                       details={"num_fragments": len(frags), "fragment_sizes": [len(f) for f in frags]})
