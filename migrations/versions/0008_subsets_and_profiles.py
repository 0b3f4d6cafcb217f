"""Subset jobs and scoring profiles.

Revision ID: 0008
Revises: 0007

`jobs.parent_job_id` links a job made from a selection of another job's molecules (subset
revalidate and rescore) to that job; the link is cleared if the parent is purged.

`scoring_profiles` holds ChemAudit's desirability profiles: a threshold range and a weight per
property. The eight presets ChemAudit ships are seeded here (ids 1-8, never changed or deleted);
users add their own. A job uploaded with `profile_id` keeps a copy of the profile in
`jobs.options -> 'profile'`, so editing the profile later never changes a job.

`result_rows.profile` is the profile block of one molecule (ChemAudit's `scoring.profile`:
profile id and name, the 0-100 score, and per property its value, range, whether it is in range
and its desirability), computed by `chemaudit_profile_result(detail, profile)` when the row is
inserted. The `results` view gains `profile` and `profile_score`.

The score is ChemAudit's: desirability 1 inside [min, max], falling linearly to 0 one range
width outside it, combined as the weighted geometric mean, times 100, one decimal. A one-sided
range falls off over the magnitude of its bound (at least 1), where ChemAudit's never falls off.
"""

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_v0007 = importlib.import_module("migrations.versions.0007_result_reuse")

# ChemAudit 2.0's presets (backend/app/services/profiles/service.py), in its order.
PRESETS = [
    ("Drug-like (Lipinski)", "Lipinski Rule of Five: MW<500, LogP<5, HBD<=5, HBA<=10",
     {"mw": (0, 500), "logp": (-5, 5), "hbd": (0, 5), "hba": (0, 10)}),
    ("Lead-like", "Lead-like space: MW 200-450, LogP -1..4, RotBonds<=7",
     {"mw": (200, 450), "logp": (-1, 4), "rotatable_bonds": (0, 7)}),
    ("Fragment-like (Rule of 3)", "Fragment screening: MW<300, LogP<=3, HBD<=3, HBA<=3, RotBonds<=3",
     {"mw": (0, 300), "logp": (-3, 3), "hbd": (0, 3), "hba": (0, 3), "rotatable_bonds": (0, 3)}),
    ("CNS-penetrant", "Blood-brain barrier permeable: MW<400, LogP 1-5, TPSA<90, HBD<=2",
     {"mw": (0, 400), "logp": (1, 5), "tpsa": (0, 90), "hbd": (0, 2)}),
    ("Ghose (Amgen)", "Ghose filter: MW 160-480, LogP -0.4..5.6, atoms 20-70, refractivity 40-130",
     {"mw": (160, 480), "logp": (-0.4, 5.6), "num_atoms": (20, 70), "refractivity": (40, 130)}),
    ("Veber (GSK)", "Veber rules for oral bioavailability: RotBonds<=10, TPSA<=140",
     {"rotatable_bonds": (0, 10), "tpsa": (0, 140)}),
    ("PPI-like", "Protein-protein interaction space: MW 400-800, LogP 2-6, RotBonds 5-15",
     {"mw": (400, 800), "logp": (2, 6), "rotatable_bonds": (5, 15)}),
    ("NP-like", "Natural product space: MW 200-800, RotBonds<=10, HBD<=5, rings>=2",
     {"mw": (200, 800), "rotatable_bonds": (0, 10), "hbd": (0, 5), "rings": (2, 20)}),
]

# Where each profile property is read from a result's detail. num_atoms counts every atom of the
# molecular formula (hydrogens included, as Ghose's rule does); refractivity is not computed.
PROPERTIES_FUNCTION = r"""
CREATE FUNCTION chemaudit_profile_properties(detail jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object(
    'mw', detail #> '{scoring,druglikeness,molecular_weight}',
    'logp', detail #> '{scoring,druglikeness,logp}',
    'hbd', detail #> '{scoring,druglikeness,hbd}',
    'hba', detail #> '{scoring,druglikeness,hba}',
    'tpsa', detail #> '{scoring,druglikeness,tpsa}',
    'rotatable_bonds', detail #> '{scoring,druglikeness,rotatable_bonds}',
    'aromatic_rings', detail #> '{scoring,druglikeness,aromatic_rings}',
    'fsp3', detail #> '{scoring,admet,fsp3}',
    'qed', detail #> '{scoring,druglikeness,qed_score}',
    'sa_score', detail #> '{scoring,admet,sa_score}',
    'rings', detail #> '{validation,molecule_info,num_rings}',
    'num_atoms', (SELECT sum(coalesce(nullif(m[2], ''), '1')::int)
                  FROM regexp_matches(detail #>> '{validation,molecule_info,molecular_formula}',
                                      '([A-Z][a-z]?)([0-9]*)', 'g') AS m),
    'refractivity', NULL::jsonb)
$$
"""

RESULT_FUNCTION = r"""
CREATE FUNCTION chemaudit_profile_result(detail jsonb, profile jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  props jsonb := chemaudit_profile_properties(detail);
  key text;
  range jsonb;
  value float8;
  low float8;
  high float8;
  width float8;
  d float8;
  inside boolean;
  weight float8;
  log_sum float8 := 0;
  total_weight float8 := 0;
  any_zero boolean := false;
  scored integer := 0;
  breakdown jsonb := '{}';
  score float8;
BEGIN
  FOR key, range IN SELECT * FROM jsonb_each(coalesce(profile -> 'thresholds', '{}')) LOOP
    value := CASE WHEN jsonb_typeof(props -> key) = 'number' THEN (props ->> key)::float8 END;
    low := CASE WHEN jsonb_typeof(range -> 'min') = 'number' THEN (range ->> 'min')::float8 END;
    high := CASE WHEN jsonb_typeof(range -> 'max') = 'number' THEN (range ->> 'max')::float8 END;
    d := NULL;
    inside := NULL;
    IF value IS NOT NULL THEN
      inside := (low IS NULL OR value >= low) AND (high IS NULL OR value <= high);
      IF inside THEN
        d := 1;
      ELSE
        width := CASE WHEN low IS NOT NULL AND high IS NOT NULL THEN greatest(high - low, 1e-6)
                      ELSE greatest(abs(coalesce(low, high)), 1) END;
        d := greatest(0, 1 - (CASE WHEN low IS NOT NULL AND value < low THEN low - value
                                   ELSE value - high END) / width);
      END IF;
      weight := CASE WHEN jsonb_typeof(profile #> ARRAY['weights', key]) = 'number'
                     THEN (profile #>> ARRAY['weights', key])::float8 ELSE 1 END;
      IF weight > 0 THEN
        scored := scored + 1;
        total_weight := total_weight + weight;
        IF d = 0 THEN any_zero := true; ELSE log_sum := log_sum + weight * ln(d); END IF;
      END IF;
    END IF;
    breakdown := breakdown || jsonb_build_object(key, jsonb_build_object(
      'value', props -> key, 'min', low, 'max', high,
      'in_range', inside,
      'desirability', round(d::numeric, 3)));
  END LOOP;
  IF scored > 0 THEN
    score := CASE WHEN any_zero THEN 0 ELSE round((100 * exp(log_sum / total_weight))::numeric, 1) END;
  END IF;
  RETURN jsonb_build_object('profile_id', profile -> 'profile_id', 'profile_name', profile -> 'profile_name',
                            'score', score, 'properties', breakdown);
END $$
"""

RESULTS_VIEW = _v0007.RESULTS_VIEW.replace("CREATE VIEW", "CREATE OR REPLACE VIEW").replace(
    "  d.detail, r.created_at\n",
    "  d.detail, r.created_at, r.profile, (r.profile ->> 'score')::float8 AS profile_score\n")
COMMENTS = {
    "COLUMN jobs.parent_job_id": "The job whose molecules this subset job (revalidate, rescore) re-runs.",
    "TABLE scoring_profiles": "Desirability profiles: a range and a weight per property; presets are read-only.",
    "COLUMN result_rows.profile": "The job profile''s block for this molecule: score and per-property breakdown.",
}


def upgrade() -> None:
    op.add_column("jobs", sa.Column("parent_job_id", sa.UUID(), nullable=True))
    op.create_foreign_key(op.f("fk_jobs_parent_job_id_jobs"), "jobs", "jobs", ["parent_job_id"], ["id"],
                          ondelete="SET NULL")
    op.create_index("ix_jobs_parent_job_id", "jobs", ["parent_job_id"],
                    postgresql_where=sa.text("parent_job_id IS NOT NULL"))
    profiles = op.create_table(
        "scoring_profiles",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("thresholds", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"),
                  nullable=False),
        sa.Column("weights", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"),
                  nullable=False),
        sa.Column("is_preset", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 100", name=op.f("ck_scoring_profiles_name_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_profiles")),
    )
    op.bulk_insert(profiles, [
        {"name": name, "description": description, "is_preset": True,
         "thresholds": {key: {"min": low, "max": high} for key, (low, high) in ranges.items()},
         "weights": {key: 1.0 for key in ranges}}
        for name, description, ranges in PRESETS
    ])
    op.add_column("result_rows", sa.Column("profile", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.execute(PROPERTIES_FUNCTION)
    op.execute(RESULT_FUNCTION)
    op.execute(RESULTS_VIEW)
    for target, text in COMMENTS.items():
        op.execute(f"COMMENT ON {target} IS '{text}'")


def downgrade() -> None:
    # The view loses columns, which CREATE OR REPLACE cannot do: rebuild it as 0007 made it.
    for view in _v0007.DEPENDENT_VIEWS:
        op.execute(f"DROP VIEW {view}")
    op.execute("DROP VIEW results")
    op.execute(_v0007.RESULTS_VIEW)
    for column, default in _v0007.VIEW_DEFAULTS.items():
        op.execute(f"ALTER VIEW results ALTER COLUMN {column} SET DEFAULT {default}")
    op.execute("CREATE TRIGGER results_view_write INSTEAD OF INSERT OR UPDATE OR DELETE ON results"
               " FOR EACH ROW EXECUTE FUNCTION results_view_write()")
    op.execute(f"COMMENT ON VIEW results IS '{_v0007.NEW_COMMENTS['VIEW results']}'")
    _v0007._recreate_reporting_views()
    op.execute("DROP FUNCTION chemaudit_profile_result(jsonb, jsonb)")
    op.execute("DROP FUNCTION chemaudit_profile_properties(jsonb)")
    op.drop_column("result_rows", "profile")
    op.drop_table("scoring_profiles")
    op.drop_index("ix_jobs_parent_job_id", table_name="jobs")
    op.drop_constraint(op.f("fk_jobs_parent_job_id_jobs"), "jobs", type_="foreignkey")
    op.drop_column("jobs", "parent_job_id")
