"""Each result's Bemis-Murcko scaffold, stored when it is audited.

Revision ID: 0011
Revises: 0010

`scaffold` is the scaffold of `canonical_smiles` (`chemaudit.analytics.scaffolds.murcko`: '' for a
molecule without rings), computed by the worker for each successful result, kept on its
document like the other filterable columns and copied to its rows, so a job's scaffold analysis
is a GROUP BY over the rows. NULL means not computed (an error, a result stored before this
revision, an unreadable canonical SMILES): readers compute it then, as they did before. The
`results` view gains the column last; writes through it keep it, and an update that changes
`canonical_smiles` without giving a scaffold clears it, so a stored scaffold never goes stale.
"""

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_v0007 = importlib.import_module("migrations.versions.0007_result_reuse")
_v0008 = importlib.import_module("migrations.versions.0008_subsets_and_profiles")

COMMENT = ("Bemis-Murcko scaffold of canonical_smiles ('': no rings), computed at audit;"
           " NULL: not computed (error, stored before migration 0011).")
TABLES = ("result_docs", "result_rows")

RESULTS_VIEW = _v0008.RESULTS_VIEW.replace(
    " AS profile_score\n", " AS profile_score,\n  r.scaffold\n")

_DERIVED = _v0007.DERIVED + ", scaffold"
_NEW = ", ".join("NEW." + c.strip() for c in _DERIVED.split(","))
_SET = ", ".join(f"{c.strip()} = NEW.{c.strip()}" for c in _DERIVED.split(","))
# 0007's function with the scaffold among the derived columns.
VIEW_WRITES = f"""
CREATE OR REPLACE FUNCTION results_view_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  doc bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM result_rows WHERE job_id = OLD.job_id AND idx = OLD.idx;
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.canonical_smiles IS DISTINCT FROM OLD.canonical_smiles
     AND NEW.scaffold IS NOT DISTINCT FROM OLD.scaffold THEN
    NEW.scaffold := NULL;  -- the old one was of another structure
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.detail IS NOT DISTINCT FROM OLD.detail THEN
    SELECT doc_id INTO doc FROM result_rows WHERE job_id = OLD.job_id AND idx = OLD.idx;
  ELSE
    INSERT INTO result_docs ({_DERIVED}, detail) VALUES ({_NEW}, NEW.detail) RETURNING id INTO doc;
  END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO result_rows (job_id, idx, name, smiles, {_DERIVED}, doc_id, created_at)
    VALUES (NEW.job_id, NEW.idx, NEW.name, NEW.smiles, {_NEW}, doc, NEW.created_at);
  ELSE
    UPDATE result_rows SET job_id = NEW.job_id, idx = NEW.idx, name = NEW.name, smiles = NEW.smiles,
      {_SET}, doc_id = doc, created_at = NEW.created_at
    WHERE job_id = OLD.job_id AND idx = OLD.idx;
  END IF;
  RETURN NEW;
END $$;
"""
OLD_VIEW_WRITES = _v0007.VIEW_WRITES.split("CREATE TRIGGER")[0].replace(
    "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("scaffold", sa.Text(), nullable=True, comment=COMMENT))
    op.execute(RESULTS_VIEW)
    op.execute(VIEW_WRITES)


def downgrade() -> None:
    # The view loses a column, which CREATE OR REPLACE cannot do: rebuild it as 0008 left it.
    for view in _v0007.DEPENDENT_VIEWS:
        op.execute(f"DROP VIEW {view}")
    op.execute("DROP VIEW results")
    op.execute(_v0008.RESULTS_VIEW)
    for column, default in _v0007.VIEW_DEFAULTS.items():
        op.execute(f"ALTER VIEW results ALTER COLUMN {column} SET DEFAULT {default}")
    op.execute(OLD_VIEW_WRITES)
    op.execute("CREATE TRIGGER results_view_write INSTEAD OF INSERT OR UPDATE OR DELETE ON results"
               " FOR EACH ROW EXECUTE FUNCTION results_view_write()")
    op.execute(f"COMMENT ON VIEW results IS '{_v0007.NEW_COMMENTS['VIEW results']}'")
    _v0007._recreate_reporting_views()
    for table in TABLES:
        op.drop_column(table, "scaffold")
