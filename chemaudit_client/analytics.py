"""`chemaudit analytics JOB [TYPE]`: start an analysis and follow it, or show a job's analytics.

    chemaudit analytics <job> clustering --threshold 0.35 --watch
    chemaudit analytics <job> similarity_search --query-smiles 'c1ccccc1O' --top-k 5 --watch
    chemaudit analytics <job>            # status of every type, and a line per ready result

Without --watch the run id is printed (stdout) and the command returns at once. With --watch
progress is followed on /ws/analytics/{run_id} (polling the run if the socket cannot be had)
and the exit code is 0 for complete, 1 for failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json

import aiohttp

from chemaudit_client.api import ApiClient, ClientFailure
from chemaudit_client.commands import say

API = "/api/v1"
TYPES = ("scaffold", "clustering", "similarity_search", "chemical_space", "taxonomy", "mmp", "rgroup")
# CLI flag attribute -> the params field it sets.
PARAMS = {"threshold": "cutoff", "query_smiles": "query_smiles", "query_index": "query_index", "top_k": "top_k",
          "core_smarts": "core_smarts", "method": "method"}
POLL_SECONDS = 1.0


def add_analytics_command(sub, server_options, run_client) -> None:
    p = sub.add_parser("analytics", help="start a batch analysis of a job (--watch: follow it), or list its analytics")
    p.add_argument("job_id")
    p.add_argument("analysis_type", nargs="?", choices=TYPES, help="what to compute; none: show the job's analytics")
    p.add_argument("--threshold", type=float, help="clustering: Tanimoto distance cutoff (default 0.35)")
    p.add_argument("--query-smiles", dest="query_smiles", help="similarity_search: the query molecule")
    p.add_argument("--query-index", dest="query_index", type=int, help="similarity_search: a molecule of the job")
    p.add_argument("--top-k", dest="top_k", type=int, help="similarity_search: neighbours (default 10)")
    p.add_argument("--core-smarts", dest="core_smarts", help="rgroup: the core")
    p.add_argument("--method", choices=("pca", "tsne"), help="chemical_space: the projection (default pca)")
    p.add_argument("--watch", action="store_true", help="follow the run to its end; exit 0 complete, 1 failed")
    p.add_argument("--json", action="store_true", help="print the server's JSON")
    server_options(p)
    p.set_defaults(func=lambda args: run_client(lambda parsed: asyncio.run(analytics(parsed)), args))


async def analytics(args: argparse.Namespace) -> int:
    async with ApiClient(args.server, args.api_key) as api:
        if args.analysis_type is None:
            overview = await api.request_json("GET", f"{API}/batch/{args.job_id}/analytics")
            print(json.dumps(overview, indent=2) if args.json else overview_text(overview))
            return 0
        params = {field: getattr(args, flag) for flag, field in PARAMS.items() if getattr(args, flag) is not None}
        answer = await api.request_json("POST", f"{API}/batch/{args.job_id}/analytics/{args.analysis_type}",
                                        json=params)
        print(answer["run_id"], flush=True)
        say(f"{args.analysis_type} of job {args.job_id}: {answer['status'].replace('_', ' ')} (run {answer['run_id']}).")
        if not args.watch:
            return 0
        run = await follow_run(api, answer["run_id"])
        print(json.dumps(run, indent=2) if args.json else result_text(run))
        return 0 if run["status"] == "complete" else 1


async def follow_run(api: ApiClient, run_id: int) -> dict:
    """Show the run's progress until it ends; the run's details."""
    last = None
    try:
        async with api.session.ws_connect(_ws_url(api, run_id), heartbeat=30) as ws:
            async for frame in ws:
                if frame.type == aiohttp.WSMsgType.TEXT:
                    last = _show(json.loads(frame.data), last)
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        say(f"(live progress unavailable: {exc or type(exc).__name__}; polling)")
    while True:
        run = await api.request_json("GET", f"{API}/analytics/{run_id}")
        last = _show(run, last)
        if run["status"] in ("complete", "failed"):
            return run
        await asyncio.sleep(POLL_SECONDS)


def _ws_url(api: ApiClient, run_id: int) -> str:
    scheme, rest = api.base.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws/analytics/{run_id}"


def _show(message: dict, last: tuple | None) -> tuple:
    state = (message["status"], round(message["progress"]))
    if state != last:
        say(f"  {message['analysis_type']}: {message['status']} {message['progress']:.0f}%"
            f" ({message['processed']:,}/{message['total']:,})")
    return state


def result_text(run: dict) -> str:
    if run["status"] != "complete":
        raise ClientFailure(f"{run['analysis_type']} failed: {run.get('error') or 'no reason given'}")
    return summary_line(run["analysis_type"], run["result"])


def summary_line(kind: str, result: dict) -> str:
    if kind == "clustering":
        text = (f"{result['cluster_count']:,} clusters (cutoff {result['distance_cutoff']}), largest"
                f" {result['largest_cluster_size']:,}, {result['singleton_count']:,} singletons")
        tops = [f"  cluster {c['cluster_id']}: {c['size']:,} molecules, representative #{c['representative_index']}"
                f" {result['smiles_map'].get(str(c['representative_index']), '')}" for c in result["clusters"][:10]]
        return "\n".join([text, *tops])
    if kind == "scaffold":
        tops = [f"  {g['count']:>7,}  {g['scaffold_smiles'] or '(no rings)'}" for g in result["scaffolds"][:10]]
        return "\n".join([f"{result['unique_scaffold_count']:,} scaffolds, Shannon entropy"
                          f" {result['shannon_entropy']:.3f} bits", *tops])
    if kind == "similarity_search":
        return "\n".join(f"  {n['similarity']:.3f}  #{n['index']}  {n['smiles']}" for n in result["neighbors"])
    if kind == "taxonomy":
        counts = sorted(result["category_counts"].items(), key=lambda kv: -kv[1])
        return "\n".join([f"{result['classified_molecules']:,} of {result['total_molecules']:,} molecules classified",
                          *(f"  {n:>7,}  {name}" for name, n in counts)])
    if kind == "chemical_space":
        if result["method"] == "tsne":
            return f"t-SNE of {len(result['coordinates']):,} of {result['total_points']:,} molecules"
        explained = ", ".join(f"{v:.1%}" for v in result["variance_explained"])
        return f"PCA of {result['total_points']:,} molecules; variance explained {explained}"
    if kind == "mmp":
        return f"{result['pair_count']:,} matched pairs"
    if kind == "rgroup":
        return f"{result['matched_count']:,} molecules decomposed, {result['unmatched_count']:,} without the core"
    return json.dumps(result)


def overview_text(overview: dict) -> str:
    if not overview["status"]:
        return f"No analytics for job {overview['job_id']} yet."
    lines = []
    for kind, status in sorted(overview["status"].items()):
        line = f"{kind:<18} {status['status']:<9} run {status['run_id']}"
        if status["status"] == "complete" and overview.get(kind) and kind != "mcs":
            line += "  " + summary_line(kind, overview[kind]).splitlines()[0]
        elif status.get("error"):
            line += f"  {status['error']}"
        lines.append(line)
    return "\n".join(lines)
