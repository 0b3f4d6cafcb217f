"""Turn input text into molecules, once: sniff the kind, refuse what is not one molecule, guard sizes.

Each input gives an unsanitised graph (`raw`, explicit H atoms and input stereo kept) and, when
RDKit can sanitise it, the molecule its standard reader returns (`mol`); the checks reuse both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdkit import Chem
from rdkit.Chem import rdinchi

from chemaudit.chemistry import guards
from chemaudit.chemistry.rdlog import captured, truncate

KINDS = ("auto", "smiles", "mol", "inchi")

_INCHIKEY = re.compile(r"^[A-Z]{14}-[A-Z]{10}-[A-Z]$")
_SMARTS_OUTSIDE = re.compile(r"[~!&;,@]")
_SMARTS_INSIDE = re.compile(r"[;&,!]|\$\(|#\d")
_BRACKET = re.compile(r"\[([^\]]*)\]")
_MOL_END = re.compile(r"^M  END\s*$", re.MULTILINE)


@dataclass
class Failure:
    """Why an input cannot be audited, and which check reports it."""

    reason: str
    message: str
    check: str = "parsability"
    details: dict = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)

    @property
    def error(self) -> str:
        return truncate(f"{self.reason}: {self.message}")


@dataclass
class Parsed:
    kind: str
    text: str = ""
    raw: Chem.Mol | None = None
    mol: Chem.Mol | None = None
    failure: Failure | None = None
    messages: list[str] = field(default_factory=list)
    size: guards.SizeEstimate = field(default_factory=guards.SizeEstimate)


def sniff(text: str) -> str:
    """Best guess of the input kind: an InChI, a molblock/SDF record, else SMILES."""
    stripped = text.strip()
    if stripped.startswith("InChI="):
        return "inchi"
    if _MOL_END.search(text) or "V2000" in text or "V3000" in text:
        return "mol"
    return "smiles"


def parse(text: str, kind: str, options) -> Parsed:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    text = "" if text is None else str(text)
    resolved = sniff(text) if kind == "auto" else kind
    # An SD record's data items are not the structure: the limit is for the molblock alone.
    structure = molblock_part(text) if resolved == "mol" else text
    if len(structure) > options.max_input_chars:
        return _too_large(resolved, f"{len(structure)} characters > limit {options.max_input_chars}",
                          guards.SizeEstimate(), options)
    if resolved == "mol":
        return _parse_molblock(structure, options)
    if resolved == "inchi":
        return _parse_inchi(text, options)
    return _parse_smiles(text, options)


def _too_large(kind: str, why: str, size: guards.SizeEstimate, options) -> Parsed:
    details = {**size.as_details(), "limits": guards.limits(options)}
    failure = Failure("input_too_large", why, check="input_too_large", details=details)
    return Parsed(kind, failure=failure, size=size)


def _refuse(kind: str, reason: str, message: str, text: str = "") -> Parsed:
    return Parsed(kind, text=text, failure=Failure(reason, message))


def _guarded(kind: str, size: guards.SizeEstimate, options) -> Parsed | None:
    broken = guards.violations(size, options)
    return _too_large(kind, "; ".join(broken), size, options) if broken else None


def _parse_smiles(text: str, options) -> Parsed:
    stripped = text.strip()
    if not stripped:
        return _refuse("smiles", "empty_input", "no structure given (an empty SMILES is not a molecule)")
    if "\n" in stripped:
        if "V2000" in stripped or "V3000" in stripped or _MOL_END.search(stripped):
            return _refuse("smiles", "molblock_as_smiles", "the input is a molfile, not a SMILES")
        return _refuse("smiles", "multiple_records", "several lines given; one molecule per input")
    if stripped.startswith(("InChI=", "AuxInfo=")) or _INCHIKEY.match(stripped):
        return _refuse("smiles", "inchi_as_smiles", "the input is an InChI/InChIKey, not a SMILES")
    token = stripped.split(None, 1)[0]
    if ">" in _BRACKET.sub("", token):
        return _refuse("smiles", "reaction_smiles", "reaction SMILES ('>' separates reactants and "
                       "products); give one molecule")
    if _looks_like_smarts(token):
        return _refuse("smiles", "smarts_not_smiles", "the input uses SMARTS query syntax "
                       "(~ ; & , ! $() #n), which describes a pattern, not a molecule")
    too_big = _guarded("smiles", guards.estimate_smiles(stripped), options)
    if too_big:
        return too_big
    # The text counts are exact for SMILES (atoms, dots, ring-closure pairs), so the sanitised read
    # comes first; the unsanitised graph is only built when needed (failures, stereo marks, [H]).
    with captured() as log:
        mol = Chem.MolFromSmiles(stripped)
    if mol is not None:
        if mol.GetNumAtoms() == 0:
            return _refuse("smiles", "empty_input", "the structure has no atoms", stripped)
        if query := query_features(mol):  # CXSMILES query labels (Q_e, ...) read as query atoms
            return _query_refused("smiles", query, stripped)
        return Parsed("smiles", text=stripped, mol=mol, messages=log.lines, size=guards.estimate_graph(mol))
    with captured() as raw_log:
        raw = Chem.MolFromSmiles(stripped, sanitize=False)
    if raw is None:
        why = log.text or raw_log.text or "RDKit could not parse the SMILES"
        return _refuse("smiles", "unparseable", why, stripped)
    return _finish("smiles", stripped, raw, lambda: Chem.MolFromSmiles(stripped), options)


def molblock_part(text: str) -> str:
    """An SD record's molblock, through its "M  END" line (the whole text when it has none)."""
    end = _MOL_END.search(text)
    return text[: end.end()] + "\n" if end else text


def _parse_molblock(block: str, options) -> Parsed:
    block = block.lstrip("\ufeff")
    if not block.strip():
        return _refuse("mol", "empty_input", "no structure given")
    too_big = _guarded("mol", guards.estimate_molblock(block), options)
    if too_big:
        return too_big
    with captured() as log:
        raw = Chem.MolFromMolBlock(block, sanitize=False, removeHs=False)
    if raw is None:
        return _refuse("mol", "unparseable", log.text or "RDKit could not read the molblock", block)
    return _finish("mol", block, raw, lambda: Chem.MolFromMolBlock(block), options)


def _parse_inchi(text: str, options) -> Parsed:
    stripped = text.strip()
    if not stripped.startswith("InChI="):
        return _refuse("inchi", "unparseable", "an InChI must start with 'InChI='", stripped)
    too_big = _guarded("inchi", guards.estimate_inchi(stripped), options)
    if too_big:
        return too_big
    with captured() as log:
        raw, _code, message, inchi_log = rdinchi.InchiToMol(stripped, False, False)
    if raw is None:
        last = [line.strip() for line in (inchi_log or "").splitlines() if line.strip()]
        why = message or (last[-1] if last else "") or log.text or "the InChI library could not read it"
        return _refuse("inchi", "unparseable", truncate(why), stripped)

    def sanitised():
        mol, _c, _m, _l = rdinchi.InchiToMol(stripped, True, True)
        return mol

    parsed = _finish("inchi", stripped, raw, sanitised, options)
    if message:
        parsed.messages.append(truncate(f"InChI: {message}"))
    return parsed


def _finish(kind: str, text: str, raw: Chem.Mol, read_sanitised, options) -> Parsed:
    """Guard the exact sizes, then read again with sanitisation (RDKit's standard behaviour)."""
    if raw.GetNumAtoms() == 0:
        return _refuse(kind, "empty_input", "the structure has no atoms", text)
    size = guards.estimate_graph(raw)
    too_big = _guarded(kind, size, options)
    if too_big:
        return too_big
    if query := query_features(raw):
        return _query_refused(kind, query, text)
    with captured() as log:
        mol = read_sanitised()
    parsed = Parsed(kind, text=text, raw=raw, mol=mol, messages=log.lines, size=size)
    if mol is None:
        problems = chemistry_problems(raw)
        why = log.text or "; ".join(p["message"] for p in problems) or "RDKit could not sanitise it"
        parsed.failure = Failure("sanitization_failed", truncate(why), check="sanitization",
                                 problems=problems)
    return parsed


def _query_refused(kind: str, query: str, text: str) -> Parsed:
    return _refuse(kind, "query_structure", f"the structure has query features ({query}), which "
                   "describe a pattern, not a molecule", text)


def query_features(raw: Chem.Mol, shown: int = 3) -> str:
    """The graph's query atoms and bonds, named ("atom 2 (A), bond 1-2 (type 8, any)"); "" if none.

    A molfile's A, Q, L (atom lists) and bond types 5-8 read as queries; so do SMARTS. A bare
    '*' (or R) is a dummy atom, read as a null query from a molfile but as a plain atom from a
    SMILES: it is allowed from both.
    """
    found = []
    for atom in raw.GetAtoms():
        if atom.HasQuery() and atom.DescribeQuery().strip() != "AtomNull":
            found.append(f"atom {atom.GetIdx() + 1} ({_query_symbol(atom)})")
    for bond in raw.GetBonds():
        if bond.HasQuery():
            ends = f"{bond.GetBeginAtomIdx() + 1}-{bond.GetEndAtomIdx() + 1}"
            found.append(f"bond {ends} ({_query_bond(bond)})")
    if len(found) > shown:
        found[shown:] = [f"{len(found) - shown} more"]
    return ", ".join(found)


_ATOM_QUERIES = {"[!#1]": "A", "[!#6&!#1]": "Q"}
_BOND_QUERIES = {"SingleOrDoubleBond": "type 5, single or double", "SingleOrAromaticBond": "type 6, single or aromatic",
                 "DoubleOrAromaticBond": "type 7, double or aromatic", "BondNull": "type 8, any"}


def _query_bond(bond: Chem.Bond) -> str:
    description = bond.DescribeQuery().split(None, 1)[0] if bond.DescribeQuery().strip() else ""
    return _BOND_QUERIES.get(description, "a query bond")


def _query_symbol(atom: Chem.Atom) -> str:
    """The molfile symbol of a query atom (A, Q), else its SMARTS (an atom list: [C,N,O])."""
    smarts = atom.GetSmarts()
    return _ATOM_QUERIES.get(smarts, smarts)


def chemistry_problems(raw: Chem.Mol) -> list[dict]:
    """Every sanitisation problem with its atoms (valence, kekulisation, aromaticity)."""
    probe = Chem.Mol(raw)
    probe.UpdatePropertyCache(strict=False)
    out = []
    for problem in Chem.DetectChemistryProblems(probe):
        if hasattr(problem, "GetAtomIndices"):
            atoms = sorted(problem.GetAtomIndices())
        elif hasattr(problem, "GetAtomIdx"):
            atoms = [problem.GetAtomIdx()]
        else:
            atoms = []
        out.append({"type": problem.GetType(), "message": problem.Message(), "atoms": atoms})
    return out


def _looks_like_smarts(token: str) -> bool:
    if _SMARTS_OUTSIDE.search(_BRACKET.sub("", token)):
        return True
    return any(_SMARTS_INSIDE.search(inside) for inside in _BRACKET.findall(token))
