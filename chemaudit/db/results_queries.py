"""Named SQL for reading results: filtered pages, statistics, exports and job history.

Filters and sorts are built only from the whitelists below; user values always travel as
parameters, never as SQL text. The API layer validates values first (422 on bad ones); the
builders here still refuse anything outside the whitelists with ValueError.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from chemaudit.db.queries import Query, Read, reads
from chemaudit.result_rows import DETAIL_COLUMNS

RESULT_STATUSES = ("success", "error")
SORT_DIRECTIONS = {"asc": "ASC", "desc": "DESC"}
# sort_by value -> the SQL it orders by. Text sorts use the "C" collation: plain code-point order,
# the same on every server whatever its locale. "safety" orders by the number of alerts (asc =
# fewest alerts, the safest, first). Missing values (scores of error rows) always sort last.
SORT_KEYS = {
    "index": "r.idx",
    "name": 'r.name COLLATE "C"',
    "smiles": 'r.smiles COLLATE "C"',
    "score": "r.score",
    "qed": "r.qed",
    "safety": "r.alert_count",
    "status": 'r.status COLLATE "C"',
    "issues": "r.issue_count",
    "profile_score": "r.profile_score",  # the job's scoring profile (migration 0008); NULL without one
}


@dataclass(frozen=True, slots=True)
class ResultFilter:
    """ChemAudit's result filters; None means "not filtered"."""

    status: str | None = None
    min_score: int | None = None
    max_score: int | None = None
    issue: str | None = None  # a failed check name
    alert: str | None = None  # an alert catalog name (matched case-insensitively)
    indices: tuple[int, ...] | None = None  # only these record indexes

    def where(self, job_id: UUID) -> tuple[str, dict]:
        clauses = ["r.job_id = %(job_id)s"]
        params: dict = {"job_id": job_id}
        if self.status is not None:
            if self.status not in RESULT_STATUSES:
                raise ValueError(f"unknown result status {self.status!r}")
            clauses.append("r.status = %(f_status)s")
            params["f_status"] = self.status
        if self.min_score is not None:
            clauses.append("r.score >= %(f_min_score)s")
            params["f_min_score"] = int(self.min_score)
        if self.max_score is not None:
            clauses.append("r.score <= %(f_max_score)s")
            params["f_max_score"] = int(self.max_score)
        if self.issue is not None:
            clauses.append("%(f_issue)s = ANY (r.failed_checks)")
            params["f_issue"] = self.issue
        if self.alert is not None:
            clauses.append("EXISTS (SELECT 1 FROM unnest(r.alert_catalogs) AS c(catalog)"
                           " WHERE lower(c.catalog) = lower(%(f_alert)s))")
            params["f_alert"] = self.alert
        if self.indices is not None:
            clauses.append("r.idx = ANY (%(f_indices)s::int[])")
            params["f_indices"] = [int(i) for i in self.indices]
        return " AND ".join(clauses), params


@dataclass(frozen=True, slots=True)
class ResultOrder:
    sort_by: str = "index"
    sort_dir: str = "asc"

    def sql(self) -> str:
        if self.sort_by not in SORT_KEYS or self.sort_dir not in SORT_DIRECTIONS:
            raise ValueError(f"unknown sort {self.sort_by!r} {self.sort_dir!r}")
        direction = SORT_DIRECTIONS[self.sort_dir]
        if self.sort_by == "index":
            return f"r.idx {direction}"
        return f"{SORT_KEYS[self.sort_by]} {direction} NULLS LAST, r.idx ASC"


# Pages -----------------------------------------------------------------------------------------

def job_header(job_id: UUID | str, owner: str | None = None, check_owner: bool = False) -> Query:
    """What the results endpoints need of the job row; no row if unknown (or another's job)."""
    return Query(
        "SELECT id, status, filename, format, total, processed, statistics, created_at,"
        " started_at, finished_at FROM jobs"
        " WHERE id = %(id)s AND (NOT %(check)s OR owner IS NOT DISTINCT FROM %(owner)s)",
        {"id": job_id, "owner": owner, "check": check_owner},
    )


def results_page(job_id: UUID, flt: ResultFilter, order: ResultOrder, offset: int, limit: int) -> Query:
    where, params = flt.where(job_id)
    return Query(
        "SELECT r.idx, r.name, r.smiles, r.status, r.error, r.detail, r.profile FROM results r"
        f" WHERE {where} ORDER BY {order.sql()} OFFSET %(offset)s LIMIT %(limit)s",
        {**params, "offset": offset, "limit": limit},
    )


def filtered_count(job_id: UUID, flt: ResultFilter) -> Query:
    where, params = flt.where(job_id)
    return Query(f"SELECT count(*) AS n FROM results r WHERE {where}", params)


# Exports ---------------------------------------------------------------------------------------

# One flat row per molecule (CSV, TSV, XLSX, SDF data items), extracted in SQL so the export
# never parses the full detail document in Python. `d` is the detail read once per row: every
# `r.detail -> ...` would fetch and decompress the whole TOASTed document again (OFFSET 0 keeps
# the planner from folding the lateral subquery back into those expressions).
_ONE_DETAIL = " CROSS JOIN LATERAL (SELECT r.detail || '{}'::jsonb AS d OFFSET 0) x"
_FLAT_SELECT = (
    "r.idx, r.name, r.smiles, r.canonical_smiles, r.inchikey,"
    " x.d #>> '{validation,inchi}' AS inchi,"
    " x.d #>> '{validation,molecule_info,molecular_formula}' AS molecular_formula,"
    " CASE WHEN jsonb_typeof(x.d #> '{validation,molecule_info,molecular_weight}') = 'number'"
    "   THEN (x.d #> '{validation,molecule_info,molecular_weight}')::float8 END AS molecular_weight,"
    " r.status, r.error, r.score, r.ml_score, r.qed, r.sa_score, r.lipinski_passed,"
    " r.issue_count, r.failed_checks, r.alert_count, r.alert_catalogs,"
    " jsonb_path_query_array(x.d, '$.alerts.alerts[*].rule_name') AS alert_names,"
    " r.profile_score"
)


def _detail_column(name: str, path: tuple[str, ...], kind: str) -> str:
    """The SQL of one DETAIL_COLUMNS entry: the value when it has the kind's JSON type, else NULL."""
    at = f"x.d #> '{{{','.join(path)}}}'"
    if kind == "text":
        return f" CASE WHEN jsonb_typeof({at}) = 'string' THEN {at} #>> '{{}}' END AS {name}"
    if kind == "boolean":
        return f" CASE WHEN jsonb_typeof({at}) = 'boolean' THEN ({at})::boolean END AS {name}"
    if kind == "count":
        return f" CASE WHEN jsonb_typeof({at}) = 'array' THEN jsonb_array_length({at}) END AS {name}"
    if kind == "integer":
        return (f" CASE WHEN jsonb_typeof({at}) = 'number' AND ({at})::numeric = trunc(({at})::numeric)"
                f" THEN ({at})::numeric::bigint END AS {name}")
    if kind == "number":
        return f" CASE WHEN jsonb_typeof({at}) = 'number' THEN ({at})::float8 END AS {name}"
    raise ValueError(f"unknown detail column kind {kind!r}")


_FLAT_SELECT += "," + ",".join(_detail_column(*column) for column in DETAIL_COLUMNS)

# The ChemAudit result item, built as json (not jsonb) so its keys keep the documented order,
# and sent as text so the export passes it through without parsing it.
_ITEM_SELECT = (
    "r.idx, json_build_object('index', r.idx, 'name', r.name, 'smiles', r.smiles,"
    " 'status', r.status, 'error', r.error, 'validation', x.d -> 'validation',"
    " 'alerts', x.d -> 'alerts',"
    " 'scoring', CASE WHEN r.profile IS NULL THEN x.d -> 'scoring'"
    "  ELSE coalesce(x.d -> 'scoring', '{}'::jsonb) || jsonb_build_object('profile', r.profile) END,"
    " 'standardization', x.d -> 'standardization', 'profiling', x.d -> 'profiling',"
    " 'safety_assessment', x.d -> 'safety_assessment')::text AS item_json"
)


def _number(path: str, name: str) -> str:
    """A numeric field of the detail, or NULL when it is missing or not a number."""
    return (f" CASE WHEN jsonb_typeof(x.d #> '{{{path}}}') = 'number'"
            f" THEN (x.d #> '{{{path}}}')::float8 END AS {name}")


# What fingerprints and scaffolds need (the scaffold stored at audit): no detail document is read.
_IDENT_SELECT = "r.idx, r.name, r.smiles, r.canonical_smiles, r.inchikey, r.status, r.score, r.ml_score, r.scaffold"
# Descriptors for the property matrix, from the stored scoring (as computed at audit time).
_PROPS_SELECT = _FLAT_SELECT + "," + ",".join(_number(path, name) for path, name in (
    ("scoring,druglikeness,logp", "logp"), ("scoring,druglikeness,tpsa", "tpsa"),
    ("scoring,druglikeness,hbd", "hbd"), ("scoring,druglikeness,hba", "hba"),
    ("scoring,druglikeness,rotatable_bonds", "rotatable_bonds"),
    ("scoring,druglikeness,aromatic_rings", "aromatic_rings"), ("scoring,admet,fsp3", "fsp3"),
    ("validation,molecule_info,num_heavy_atoms", "heavy_atom_count"),
    ("validation,molecule_info,num_rings", "ring_count"),
    ("validation,molecule_info,exact_mass", "exact_mass"),
))
# Duplicate groups among the exported rows: one group per InChIKey (a row without one is a group
# of its own), represented by its lowest index, numbered by that index's order.
_DEDUP_INNER = (
    f"SELECT {_IDENT_SELECT}, r.qed, r.alert_count, r.issue_count,"  # the last three: for sorts
    " min(r.idx) OVER w AS rep_idx, count(*) OVER w AS group_size"
    " FROM results r WHERE {where} WINDOW w AS (PARTITION BY coalesce(r.inchikey, 'idx:' || r.idx))"
)
# Fixed orders a pass of an encoder may ask for instead of the request's (chemaudit.export.base.Pass).
FIXED_ORDERS = {"group": "r.rep_idx, r.idx"}
_INPUT = " LEFT JOIN job_inputs i ON i.job_id = r.job_id AND i.idx = r.idx"
# shape -> (select list, joins); "dedup" is built apart (windows over the filtered rows).
_SHAPES = {
    "flat": (_FLAT_SELECT, _ONE_DETAIL),
    "item": (_ITEM_SELECT, _ONE_DETAIL),
    "sdf": (_FLAT_SELECT + ", i.kind AS input_kind, i.text AS input_text", _ONE_DETAIL + _INPUT),
    "ident": (_IDENT_SELECT, ""),
    "props": (_PROPS_SELECT, _ONE_DETAIL),
}
EXPORT_SHAPES = (*_SHAPES, "dedup")


def export_rows(job_id: UUID, flt: ResultFilter, order: ResultOrder, shape: str,
                fixed_order: str | None = None) -> Query:
    """Every matching result, for a server-side cursor. `shape`: one of EXPORT_SHAPES;
    `fixed_order`: a key of FIXED_ORDERS instead of `order`."""
    where, params = flt.where(job_id)
    if fixed_order is not None and fixed_order not in FIXED_ORDERS:
        raise ValueError(f"unknown export order {fixed_order!r}")
    order_sql = FIXED_ORDERS[fixed_order] if fixed_order else order.sql()
    if shape == "dedup":
        return Query("SELECT r.*, dense_rank() OVER (ORDER BY r.rep_idx) AS group_id"
                     f" FROM ({_DEDUP_INNER.format(where=where)}) r ORDER BY {order_sql}", params)
    if fixed_order is not None:
        raise ValueError(f"the order {fixed_order!r} is for the dedup shape")
    if shape not in _SHAPES:
        raise ValueError(f"unknown export shape {shape!r}")
    select, joins = _SHAPES[shape]
    return Query(f"SELECT {select} FROM results r{joins} WHERE {where} ORDER BY {order_sql}", params)


# Statistics ------------------------------------------------------------------------------------

_STATISTICS = """
WITH r AS (SELECT status, score, ml_score, qed, sa_score, lipinski_passed, alert_count, inchikey,
  failed_checks, alert_catalogs, profile_score FROM results WHERE job_id = %(id)s),
base AS (
  SELECT count(*) AS total,
    count(*) FILTER (WHERE status = 'success') AS successful,
    count(*) FILTER (WHERE status = 'error') AS errors,
    round(avg(score) FILTER (WHERE status = 'success')::numeric, 1)::float8 AS avg_score,
    round(avg(ml_score) FILTER (WHERE status = 'success')::numeric, 1)::float8 AS avg_ml,
    round(avg(qed) FILTER (WHERE status = 'success')::numeric, 2)::float8 AS avg_qed,
    round(avg(sa_score) FILTER (WHERE status = 'success')::numeric, 1)::float8 AS avg_sa,
    round(100.0 * count(*) FILTER (WHERE status = 'success' AND lipinski_passed)
      / nullif(count(lipinski_passed) FILTER (WHERE status = 'success'), 0), 1)::float8 AS lipinski,
    round(100.0 * count(*) FILTER (WHERE status = 'success' AND alert_count = 0)
      / nullif(count(*) FILTER (WHERE status = 'success'), 0), 1)::float8 AS safety,
    count(*) FILTER (WHERE status = 'success' AND score >= 90) AS excellent,
    count(*) FILTER (WHERE status = 'success' AND score >= 70 AND score < 90) AS good,
    count(*) FILTER (WHERE status = 'success' AND score >= 50 AND score < 70) AS moderate,
    count(*) FILTER (WHERE status = 'success' AND score < 50) AS poor,
    round(avg(profile_score) FILTER (WHERE status = 'success')::numeric, 1)::float8 AS avg_profile,
    round(100.0 * count(*) FILTER (WHERE status = 'success' AND profile_score >= 80)
      / nullif(count(profile_score) FILTER (WHERE status = 'success'), 0), 1)::float8 AS profile_compliance
  FROM r),
checks AS (
  SELECT coalesce(jsonb_object_agg(name, n), '{}'::jsonb) AS summary
  FROM (SELECT c.name, count(*) AS n FROM r, unnest(r.failed_checks) AS c(name) GROUP BY c.name) x),
alerts AS (
  SELECT coalesce(jsonb_object_agg(name, n), '{}'::jsonb) AS summary
  FROM (SELECT c.name, count(*) AS n FROM r, unnest(r.alert_catalogs) AS c(name) GROUP BY c.name) x),
dups AS (
  SELECT count(*) AS groups, coalesce(sum(n), 0) AS molecules
  FROM (SELECT count(*) AS n FROM r WHERE inchikey IS NOT NULL GROUP BY inchikey HAVING count(*) > 1) x),
timing AS (
  SELECT extract(epoch FROM coalesce(finished_at, now()) - coalesce(started_at, created_at))::float8
    AS seconds, reused, options ? 'profile' AS profiled
  FROM jobs WHERE id = %(id)s)
SELECT jsonb_build_object(
  'total', base.total, 'successful', base.successful, 'errors', base.errors,
  'avg_validation_score', base.avg_score, 'avg_ml_readiness_score', base.avg_ml,
  'avg_qed_score', base.avg_qed, 'avg_sa_score', base.avg_sa,
  'lipinski_pass_rate', base.lipinski, 'safety_pass_rate', base.safety,
  'score_distribution', jsonb_build_object('excellent', base.excellent, 'good', base.good,
                                           'moderate', base.moderate, 'poor', base.poor),
  'alert_summary', alerts.summary, 'issue_summary', checks.summary,
  'duplicates', jsonb_build_object('groups', dups.groups, 'molecules', dups.molecules),
  'processing_time_seconds', round(timing.seconds::numeric, 3)::float8,
  'molecules_per_second',
    CASE WHEN timing.seconds > 0 THEN round((base.total / timing.seconds)::numeric, 1)::float8 END,
  'reused', timing.reused)
  || CASE WHEN timing.profiled THEN jsonb_build_object('avg_profile_score', base.avg_profile,
       'profile_compliance_rate', base.profile_compliance) ELSE '{}'::jsonb END
FROM base, checks, alerts, dups, timing
"""


def statistics(job_id: UUID) -> Query:
    """The job's statistics as one jsonb value (column `statistics`), computed from its results.

    Averages and rates are over successful molecules (rates in percent, one decimal);
    alert_summary counts molecules flagged by each catalog, issue_summary molecules failing
    each check; duplicates are InChIKeys shared by several molecules (groups, and molecules in
    them); processing time runs from the first stored result (else the upload) to the end
    (or now, while the job runs); reused counts results taken from the result cache instead of
    audited. A job scored with a profile adds avg_profile_score and profile_compliance_rate
    (percent of scored molecules with a profile score of 80 or more, ChemAudit's threshold).
    No row when the job does not exist.
    """
    return Query(f"SELECT ({_STATISTICS.strip()}) AS statistics FROM jobs WHERE id = %(id)s",
                 {"id": job_id})


@reads(Read.ONE)
def store_statistics(job_id: UUID) -> Query:
    """Compute and store the statistics; for the transaction that completes the job."""
    return Query(
        f"UPDATE jobs SET statistics = ({_STATISTICS.strip()}) WHERE id = %(id)s RETURNING statistics",
        {"id": job_id},
    )


def store_statistics_if_ended(job_id: UUID) -> Query:
    """Cache the statistics of an ended job that has none yet (a cancelled or failed one)."""
    return Query(
        f"UPDATE jobs SET statistics = ({_STATISTICS.strip()})"
        " WHERE id = %(id)s AND status <> 'processing' AND statistics IS NULL RETURNING statistics",
        {"id": job_id},
    )


# Job history -----------------------------------------------------------------------------------

def job_history(limit: int, status: str | None = None, since: datetime | None = None,
                until: datetime | None = None, before: tuple[datetime, UUID] | None = None,
                owner: str | None = None, check_owner: bool = False) -> Query:
    """Jobs newest first; `before` is the (created_at, id) of the last job of the previous page."""
    clauses = ["TRUE"]
    params: dict[str, Any] = {"limit": limit}
    if check_owner:
        clauses.append("j.owner IS NOT DISTINCT FROM %(owner)s")
        params["owner"] = owner
    if status is not None:
        clauses.append("j.status = %(status)s")
        params["status"] = status
    if since is not None:
        clauses.append("j.created_at >= %(since)s")
        params["since"] = since
    if until is not None:
        clauses.append("j.created_at < %(until)s")
        params["until"] = until
    if before is not None:
        clauses.append("(j.created_at, j.id) < (%(before_at)s, %(before_id)s)")
        params["before_at"], params["before_id"] = before
    return Query(
        "SELECT j.id, j.filename, j.format, j.compressed, j.upload_bytes, j.status, j.total,"
        " j.processed, j.errors, j.created_at, j.started_at, j.finished_at, j.error_message, j.parent_job_id,"
        " extract(epoch FROM coalesce(j.finished_at, now()) - j.started_at)::float8 AS duration_seconds"
        f" FROM jobs j WHERE {' AND '.join(clauses)}"
        " ORDER BY j.created_at DESC, j.id DESC LIMIT %(limit)s",
        params,
    )


# Retention -------------------------------------------------------------------------------------

# The tables holding a job's rows, each with the rest of its primary key (deleted in batches).
# Their result documents stay: shared with other jobs, they are pruned apart (cache_queries).
CHILD_TABLES = {"result_rows": "idx", "job_inputs": "idx", "job_events": "seq", "chunks": "chunk_no",
                "analytics_fingerprints": "idx"}


def purge_candidates(older_than_seconds: float, limit: int) -> Query:
    """Ended jobs that finished before the cutoff, oldest first."""
    return Query(
        "SELECT id FROM jobs WHERE status <> 'processing'"
        " AND coalesce(finished_at, created_at) < now() - make_interval(secs => %(age)s)"
        " ORDER BY coalesce(finished_at, created_at), id LIMIT %(limit)s",
        {"age": older_than_seconds, "limit": limit},
    )


def delete_child_batch(table: str, job_id: UUID, batch_size: int) -> Query:
    """Delete up to `batch_size` rows of one job from one child table (a short transaction)."""
    if table not in CHILD_TABLES:
        raise ValueError(f"not a job child table: {table!r}")
    key = CHILD_TABLES[table]
    return Query(
        f"DELETE FROM {table} t USING (SELECT {key} FROM {table} WHERE job_id = %(id)s"
        f"  ORDER BY {key} LIMIT %(n)s) d"
        f" WHERE t.job_id = %(id)s AND t.{key} = d.{key}",
        {"id": job_id, "n": batch_size},
    )


def delete_ended_job(job_id: UUID) -> Query:
    """Delete the job row itself once its rows are gone; never a running job."""
    return Query("DELETE FROM jobs WHERE id = %(id)s AND status <> 'processing' RETURNING id",
                 {"id": job_id})
