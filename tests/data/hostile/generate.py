"""Builds the hostile upload corpus.

    python tests/data/hostile/generate.py            # rewrite the small committed files here
    python tests/data/hostile/generate.py --big DIR  # write the big ones (never committed) to DIR

The small files are committed; this script only documents and reproduces them. The big ones
(a gzip bomb, 10,000 columns, a 10 MB line) are made at test time by the functions below.
RDKit is used here only to produce real molblocks; the splitter under test never imports it.
"""

from __future__ import annotations

import argparse
import gzip
import io
import random
import struct
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Real molecules: the first lines of RDKit's NCI/first_5K.smi.
NCI = [
    ("CC1=CC(=O)C=CC1=O", "1"),
    ("S(SC1=NC2=CC=CC=C2S1)C3=NC4=C(S3)C=CC=C4", "2"),
    ("OC1=C(Cl)C=C(C=C1[N+]([O-])=O)[N+]([O-])=O", "3"),
    ("[O-][N+](=O)C1=CNC(=N)S1", "4"),
    ("NC1=CC2=C(C=C1)C(=O)C3=C(C=CC=C3)C2=O", "5"),
]


def smiles_lines(sep: str = "\t", eol: str = "\n") -> str:
    return "".join(f"{smi}{sep}{name}{eol}" for smi, name in NCI)


def nci_sdf_records(count: int) -> list[str]:
    """The first `count` records of RDKit's NCI/first_200.props.sdf, each without its $$$$ line."""
    from rdkit import RDConfig

    text = (Path(RDConfig.RDDataDir) / "NCI" / "first_200.props.sdf").read_text()
    return text.split("$$$$\n")[:count]


def titled_records(titles: list[str]) -> list[str]:
    """NCI records with their (blank) title lines replaced."""
    out = []
    for title, record in zip(titles, nci_sdf_records(len(titles))):
        body = record.split("\n", 1)[1]
        out.append(f"{title}\n{body}")
    return out


def big_record() -> str:
    """An NCI record titled "big" with a 6 KB data item: over a 5,000-byte data-item limit."""
    record = titled_records(["big"])[0]
    blob = "> <BLOB>\n" + ("x" * 60 + "\n") * 100 + "\n"
    return record.replace("M  END\n", "M  END\n" + blob, 1)


def sdf(records: list[str], *, final_dollars: bool = True) -> str:
    text = "$$$$\n".join(records)
    return text + "$$$$\n" if final_dollars else text


def v3000_records() -> list[str]:
    from rdkit import Chem

    out = []
    for smi, name in (("CC(=O)Oc1ccccc1C(=O)O", "aspirin"), ("Cn1cnc2c1c(=O)n(C)c(=O)n2C", "caffeine")):
        mol = Chem.MolFromSmiles(smi)
        mol.SetProp("_Name", name)
        out.append(Chem.MolToV3KMolBlock(mol) + "> <ID>\n" + name.upper() + "\n\n")
    return out


def png_bytes() -> bytes:
    """A valid 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0")) + chunk(b"IEND", b"")


def elf_bytes() -> bytes:
    """An ELF64 header followed by program bytes: what an executable starts with."""
    header = b"\x7fELF\x02\x01\x01\x00" + b"\0" * 8 + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0x401000, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    return header + bytes(random.Random(7).randrange(256) for _ in range(2048))


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        entry = zipfile.ZipInfo("xl/worksheets/sheet1.csv", date_time=(2024, 1, 1, 0, 0, 0))
        archive.writestr(entry, "SMILES,Name\n" + smiles_lines(sep=","))
    return buf.getvalue()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def small_files() -> dict[str, bytes]:
    rng = random.Random(42)
    nci3 = nci_sdf_records(3)
    csv_rows = "".join(f"{smi},NSC-{name}\n" for smi, name in NCI)
    files: dict[str, bytes] = {
        # Nothing in it.
        "empty.sdf": b"",
        "empty.csv.gz": gz(b""),
        "whitespace_only.smi": b"  \n\t\n   \r\n\n",
        "whitespace_only.sdf": b"\n\n   \n\n",
        "only_comments.smi": b"# exported 2024-01-01\n# no molecules today\n",
        "header_only.csv": b"SMILES,Name\n",
        "header_only.smi": b"smiles name\n",
        "only_dollars.sdf": b"$$$$\n\n$$$$\n",
        # Not text at all.
        "binary_junk.smi": bytes(rng.randrange(256) for _ in range(4096)),
        "binary_junk.dat": bytes(rng.randrange(256) for _ in range(4096)),
        "elf_renamed.sdf": elf_bytes(),
        "png_renamed.smi": png_bytes(),
        "pdf_renamed.csv": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        "xlsx_renamed.csv": zip_bytes(),
        "unsupported.mol2": b"@<TRIPOS>MOLECULE\naspirin\n 13 13 0 0 0\nSMALL\nNO_CHARGES\n",
        "nul_bytes.smi": smiles_lines().replace("[O-][N+]", "[O-]\0[N+]").encode(),
        "nul_late.sdf": sdf(nci_sdf_records(40)).encode()[:70_000] + b"\0\0\0\nM  END\n$$$$\n",
        # Encodings.
        "bom_utf8.smi": b"\xef\xbb\xbf" + smiles_lines().encode(),
        "bom_utf8.csv": b"\xef\xbb\xbfSMILES,Name\n" + csv_rows.encode(),
        "utf16le_bom.txt": ("SMILES\tName\r\n" + smiles_lines(eol="\r\n")).encode("utf-16"),
        "utf16be_bom.smi": b"\xfe\xff" + smiles_lines().encode("utf-16-be"),
        "utf16le_no_bom.smi": smiles_lines().encode("utf-16-le"),
        "utf32_bom.smi": smiles_lines().encode("utf-32"),
        "latin1_titles.sdf": sdf(titled_records(["caf\xe9ine", "\xe9thanol", "na\xefve"])).encode("latin-1"),
        "cp1252_names.smi": "CCO\tethanol \u2013 95 %\nC(=O)O\tformic \u20ac1\n".encode("cp1252"),
        "latin1_names.csv": ("SMILES,Name\n" + "CCO,\xe9thanol\nCC(=O)O,acide ac\xe9tique\n").encode("latin-1"),
        "utf8_names.smi": "CCO\t\u03b1-ethanol\nc1ccccc1\t\u30d9\u30f3\u30bc\u30f3\n".encode(),
        # Gzip.
        "truncated.sdf.gz": gz(sdf(nci3).encode())[:900],
        "isize_lie.smi.gz": gz(smiles_lines().encode())[:-4] + b"\xf0\xff\xff\xff",
        "gzip_trailing_junk.smi.gz": gz(smiles_lines().encode()) + b"this is not gzip\n",
        "gzip_corrupt.smi.gz": gz(smiles_lines().encode())[:20] + b"\xff" * 30 + gz(smiles_lines().encode())[50:],
        "double_gzip.smi.gz": gz(gz(smiles_lines().encode())),
        "multi_member.smi.gz": gz(smiles_lines().encode()) + gz(b"CCO\tethanol\n"),
        "gzip_nul_padding.smi.gz": gz(smiles_lines().encode()) + b"\0" * 512,
        "gzip_without_suffix.sdf": gz(sdf(nci3).encode()),
        "bom_in_gzip.csv.gz": gz(b"\xef\xbb\xbfSMILES,Name\n" + csv_rows.encode()),
        # SDF shapes.
        "cr_only.sdf": sdf(nci3).replace("\n", "\r").encode(),
        "crlf.sdf": sdf(nci3).replace("\n", "\r\n").encode(),
        "missing_final_dollars.sdf": sdf(nci3, final_dollars=False).encode(),
        "blank_lines_between.sdf": ("\n\n" + "$$$$\n\n\n\n".join(titled_records(["first", "", "third"])) + "$$$$\n\n\n").encode(),
        "v3000.sdf": sdf(v3000_records()).encode(),
        "mixed_v2000_v3000.sdf": sdf(titled_records(["v2000 one"]) + v3000_records()).encode(),
        "lying_counts.sdf": sdf([nci3[0].replace("  9  9  0", " 30  9  0", 1), nci3[1]]).encode(),
        "garbage_between_records.sdf": sdf([nci3[0], "this is not a molecule\njust some words\n", nci3[1]]).encode(),
        "single_molecule.mol": titled_records(["one molfile"])[0].split("M  END")[0].encode() + b"M  END\n",
        "oversize_record.sdf": sdf(titled_records(["small", "big", "small again"])[:1] + [big_record()]
                                   + titled_records(["small", "big", "small again"])[2:]).encode(),
        "sdf_named.csv": sdf(nci3).encode(),
        "sdf_without_extension": sdf(nci3).encode(),
        "smiles_named.sdf": smiles_lines().encode(),
        # SMILES shapes.
        "reaction.smi": b"CC(=O)O.OCC>>CC(=O)OCC.O esterification\nCC=O>O>CCO reduction\nCCO ethanol\n",
        "cxsmiles.smi": b"C[C@H](N)C(=O)O |&1:1| alanine-racemic\nCCO ethanol\n",
        "trailing_whitespace.smi": b"CCO   \t\nc1ccccc1 \t benzene \t \nCC(=O)O\t\tacetic acid  \n",
        "crlf.smi": smiles_lines(eol="\r\n").encode(),
        "mixed_line_endings.smi": b"CCO\tethanol\r\nCC\tethane\rC\tmethane\nCCC\tpropane\r\n\rCCCC\tbutane",
        "comments_and_blanks.smi": b"# header comment\n\nCCO ethanol\n\n  \n# middle comment\nCC ethane\n\n",
        "header_tab.smi": b"SMILES\tName\n" + smiles_lines().encode(),
        "long_line.smi": b"CCO ethanol\n" + b"C" * 5000 + b" long\nCC ethane\n",
        "too_many.smi": "".join(f"C{'C' * i} alkane-{i}\n" for i in range(20)).encode(),
        "dos_eof.smi": smiles_lines().encode() + b"\x1a",
        "txt_smiles.txt": smiles_lines(sep=" ").encode(),
        "no_extension_smiles": smiles_lines().encode(),
        # CSV / TSV shapes.
        "no_smiles_column.csv": b"Structure,Name\nCCO,ethanol\n",
        "no_smiles_column_hint.csv": b"id,Canonical_SMILES\n1,CCO\n",
        "mismatched_quotes.csv": b'SMILES,Name\nCCO,"ethanol\nCC,ethane\nCCC,propane\n',
        "ragged_rows.csv": b"ID,Name,SMILES\n1,ethanol,CCO\n2,short\n3,propane,CCC,extra,cells\n4\n5,butane,CCCC\n",
        "quoted_multiline.csv": (b'SMILES,Name,Note\nCCO,"ethanol, absolute","line one\nline two"\n'
                                 b'"CC(=O)O","acetic ""glacial"" acid",plain\nC,methane,"a\n\nb"\n'),
        "headerless.csv": csv_rows.encode(),
        "semicolon.csv": b"SMILES;Name\nCCO;ethanol\nCC;ethane\n",
        "custom_columns.csv": b"Compound,Structure,MW\naspirin,CC(=O)Oc1ccccc1C(=O)O,180.16\ncaffeine,Cn1cnc2c1c(=O)n(C)c(=O)n2C,194.19\n",
        "name_column_missing.csv": b"SMILES,Name\nCCO,ethanol\n",
        "empty_smiles_cells.csv": b"SMILES,Name\nCCO,ethanol\n,nothing here\n  ,blank\nCC,ethane\n,,\n,\n",
        "crlf.csv": ("SMILES,Name\r\n" + csv_rows.replace("\n", "\r\n")).encode(),
        "tab_separated.tsv": ("Name\tSMILES\tNote\n" + "".join(f"NSC-{n}\t{s}\tok\n" for s, n in NCI)).encode(),
        "txt_tsv.txt": ("smiles\tmolecule_name\n" + smiles_lines()).encode(),
        "csv_named.smi": ("smiles,name\n" + csv_rows).encode(),
        "csv_named.tsv": ("SMILES,Name\n" + csv_rows).encode(),
        "smiles_named.csv": smiles_lines(sep=" ").encode(),
    }
    return files


def write_small(directory: Path = HERE) -> list[str]:
    files = small_files()
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return sorted(files)


# --- big files, made at test time -------------------------------------------------------------

def gzip_bomb(path: Path, decompressed_bytes: int = 256 * 1024 * 1024) -> Path:
    """A gzip of `decompressed_bytes` newlines plus one molecule: about 1000:1."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\n" * (1024 * 1024)
    with path.open("wb") as out:
        out.write(compressor.compress(b"CCO ethanol\n"))
        for _ in range(decompressed_bytes // len(block)):
            out.write(compressor.compress(block))
        out.write(compressor.flush())
    return path


def wide_csv(path: Path, columns: int = 10_000, rows: int = 5) -> Path:
    """`columns` columns, the SMILES one last."""
    header = ",".join(f"descriptor_{i}" for i in range(columns - 1)) + ",SMILES\n"
    filler = ",".join("0.5" for _ in range(columns - 1))
    body = "".join(f"{filler},{smi}\n" for smi, _ in NCI[:rows])
    path.write_text(header + body)
    return path


def single_line(path: Path, size: int = 10 * 1024 * 1024) -> Path:
    """One 10 MB line of SMILES-like characters and no line break."""
    path.write_bytes(b"C" * size)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the hostile upload corpus.")
    parser.add_argument("--big", type=Path, help="write the big generated files into this folder instead")
    args = parser.parse_args()
    if args.big:
        args.big.mkdir(parents=True, exist_ok=True)
        for made in (gzip_bomb(args.big / "gzip_bomb.smi.gz"), wide_csv(args.big / "wide_10000_columns.csv"),
                     single_line(args.big / "single_line_10mb.smi")):
            print(made, made.stat().st_size)
        return
    for name in write_small():
        print(name, (HERE / name).stat().st_size)


if __name__ == "__main__":
    main()
