"""Physicochemical descriptors, QED and SA score, each computed once per molecule.

QED is RDKit's (rdkit.Chem.QED.qed) fed with its own property recipe, except that the 116
structural-alert SMARTS are pre-screened with pattern fingerprints (0.58 ms -> ~0.1 ms); the unit
tests assert the values equal QED.qed on RDKit's NCI set. The SA score is Ertl & Schuffenhauer's,
from the sascorer module that ships in RDKit's Contrib folder with its fragment-score table.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rdkit import Chem, RDConfig
from rdkit.Chem import QED, Crippen, Descriptors, rdMolDescriptors

from chemaudit.chemistry.screening import QueryScreen

_SASCORER = Path(RDConfig.RDContribDir) / "SA_Score" / "sascorer.py"
_NUMERIC_ERRORS = (ValueError, RuntimeError, ArithmeticError)


@dataclass(frozen=True)
class Profile:
    molecular_weight: float
    logp: float
    tpsa: float
    hbd: int
    hba: int
    rotatable_bonds: int
    aromatic_rings: int
    fsp3: float
    qed: float | None
    sa_score: float | None


@functools.cache
def _sascorer():
    spec = importlib.util.spec_from_file_location("chemaudit_sascorer", _SASCORER)
    if spec is None or spec.loader is None:
        raise ImportError(f"RDKit's sascorer is not at {_SASCORER}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.readFragmentScores()
    return module


@functools.cache
def _qed_alert_screen() -> QueryScreen:
    return QueryScreen(list(QED.StructuralAlerts))


def qed_alerts(mol: Chem.Mol, fingerprint: np.ndarray) -> int:
    alerts = QED.StructuralAlerts
    return sum(1 for i in _qed_alert_screen().candidates(fingerprint) if mol.HasSubstructMatch(alerts[i]))


def qed(mol: Chem.Mol, fingerprint: np.ndarray, logp: float, tpsa: float, hbd: int, weight: float,
        rotatable: int) -> float:
    """QED.qed with properties computed as QED.properties does, sharing what is already known."""
    acceptors = sum(len(mol.GetSubstructMatches(p)) for p in QED.Acceptors)
    aromatic = len(Chem.GetSSSR(Chem.DeleteSubstructs(Chem.Mol(mol), QED.AliphaticRings)))
    props = QED.QEDproperties(
        MW=weight, ALOGP=logp, HBA=acceptors, HBD=hbd, PSA=tpsa,
        ROTB=rotatable,
        AROM=aromatic, ALERTS=qed_alerts(mol, fingerprint))
    return QED.qed(mol, qedProperties=props)


def sa_score(mol: Chem.Mol) -> float | None:
    try:
        return _sascorer().calculateScore(mol)
    except _NUMERIC_ERRORS:
        return None


def compute(mol: Chem.Mol, fingerprint: np.ndarray, has_h_atoms: bool) -> Profile:
    """All descriptors of one sanitised molecule; `fingerprint` is its pattern fingerprint."""
    if has_h_atoms:
        mol = Chem.RemoveHs(mol)  # as QED does: H atoms kept by the reader (isotopes) are not heavy
    weight = Descriptors.MolWt(mol)
    logp = Crippen.MolLogP(mol)
    tpsa = rdMolDescriptors.CalcTPSA(mol)
    hbd = rdMolDescriptors.CalcNumHBD(mol)
    # QED counts rotatable bonds with the Strict definition, which is also RDKit's default.
    rotatable = rdMolDescriptors.CalcNumRotatableBonds(mol, rdMolDescriptors.NumRotatableBondsOptions.Strict)
    try:
        qed_value = qed(mol, fingerprint, logp, tpsa, hbd, weight, rotatable)
    except _NUMERIC_ERRORS:
        qed_value = None
    return Profile(
        molecular_weight=weight, logp=logp, tpsa=tpsa, hbd=hbd, hba=rdMolDescriptors.CalcNumHBA(mol),
        rotatable_bonds=rotatable,
        aromatic_rings=rdMolDescriptors.CalcNumAromaticRings(mol),
        fsp3=rdMolDescriptors.CalcFractionCSP3(mol), qed=qed_value, sa_score=sa_score(mol))


def warm_up() -> None:
    _sascorer()
    _qed_alert_screen()
