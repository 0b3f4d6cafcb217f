"""Representation checks: canonical SMILES stability, InChI generation, InChI round trip."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdkit.Chem import rdinchi

from chemaudit.chemistry.checks.base import INFO, WARNING, Check, Outcome

if TYPE_CHECKING:  # only the type: checks never build a context
    from chemaudit.chemistry.context import MolContext


class SmilesRoundtrip(Check):
    name = "smiles_roundtrip"
    category = "representation"
    severity = WARNING
    explanation = "Canonical SMILES read back gives the same canonical SMILES (no information lost)"

    def check(self, ctx: MolContext) -> Outcome:
        smiles = ctx.canonical_smiles
        second = ctx.roundtrip_smiles
        if second is None:
            return Outcome(False, "Canonical SMILES does not parse back", details={"smiles": smiles})
        if second != smiles:
            return Outcome(False, "SMILES roundtrip produced a different structure",
                           details={"smiles": smiles, "roundtrip_smiles": second})
        return Outcome(True, "SMILES roundtrip successful", details={"smiles": smiles})


class InchiGeneration(Check):
    name = "inchi_generation"
    category = "representation"
    severity = WARNING
    explanation = "A standard InChI and InChIKey can be generated"

    def check(self, ctx: MolContext) -> Outcome:
        info = ctx.inchi
        details = {"inchi": info.inchi, "inchikey": info.inchikey}
        if info.message:
            details["inchi_messages"] = info.message
        if "LargeMolecules" in info.options:
            details["inchi_options"] = "-LargeMolecules"  # above 1,023 atoms; InChI marks it "1B"
        if not info.inchi:
            return Outcome(False, f"Could not generate an InChI: {info.message or 'no output'}", details=details)
        if not info.inchikey:
            return Outcome(False, "Generated an InChI but no InChIKey", details=details)
        return Outcome(True, "InChI and InChIKey generated successfully", details=details)


class InchiRoundtrip(Check):
    name = "inchi_roundtrip"
    category = "representation"
    severity = INFO
    explanation = "InChI read back and written again gives the same InChI"

    def check(self, ctx: MolContext) -> Outcome:
        info = ctx.inchi
        if not info.inchi:
            return Outcome(False, "No InChI to round-trip")
        mol, _code, message, _log = rdinchi.InchiToMol(info.inchi, True, True)
        if mol is None:
            return Outcome(False, "InChI roundtrip failed to parse", details={"inchi": info.inchi,
                                                                             "message": message})
        again = rdinchi.MolToInchi(mol, info.options)[0]
        if again != info.inchi:
            return Outcome(False, "InChI roundtrip shows differences (common with complex stereo)",
                           details={"inchi": info.inchi, "roundtrip_inchi": again})
        return Outcome(True, "InChI roundtrip successful", details={"inchi": info.inchi})
