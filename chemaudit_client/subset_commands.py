"""`chemaudit subset revalidate|rescore|score-inline JOB --indices 0,4,10-19`: act on a selection of
a job's molecules (POST /api/v1/batch/{job}/subset/...).

revalidate and rescore print the new job's id on stdout (like submit) and, with --watch, follow
it to its end; score-inline prints each molecule's profile score (--json: the server's answer).
"""

from __future__ import annotations

import argparse
import json

MAX_RANGE = 1_000_000  # indices one range may expand to (the server takes far fewer anyway)


def parse_indices(text: str) -> list[int]:
    """"0,4,10-19" -> [0, 4, 10, 11, ..., 19]; an argparse type (its error is the usage line)."""
    out: list[int] = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        low, dash, high = part.partition("-")
        try:
            first = int(low)
            last = int(high) if dash else first
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r} is not an index or a range like 10-19") from None
        if first < 0 or last < first or last - first >= MAX_RANGE:
            raise argparse.ArgumentTypeError(f"{part!r} is not a range of indices from low to high")
        out.extend(range(first, last + 1))
    if not out:
        raise argparse.ArgumentTypeError("give at least one index, like 0,4,10-19")
    return out


def add_subset_commands(sub, server_options, remote) -> None:
    """The `subset` command and its actions, on the CLI's subparsers."""
    subset = sub.add_parser("subset", help="act on some molecules of a job: revalidate, rescore, score-inline")
    actions = subset.add_subparsers(dest="subset_action", required=True)
    for action, helptext in (("revalidate", "audit the molecules again, as a new job"),
                             ("rescore", "score the molecules with a profile, as a new job"),
                             ("score-inline", "print the molecules' profile scores now")):
        p = actions.add_parser(action, help=helptext)
        p.add_argument("job_id")
        p.add_argument("--indices", required=True, type=parse_indices,
                       help="result indices: a comma list with ranges, like 0,4,10-19")
        if action != "revalidate":
            p.add_argument("--profile", dest="profile_id", type=int, required=action == "score-inline",
                           help="a scoring profile id (GET /api/v1/profiles)")
        if action == "score-inline":
            p.add_argument("--json", action="store_true", help="print the server's JSON")
        else:
            p.add_argument("--watch", action="store_true", help="follow the new job to its end")
        server_options(p)
        p.set_defaults(func=remote("subset"))


async def subset(args) -> int:
    """The `subset` command's body (run by chemaudit_client.commands.run_client)."""
    from chemaudit_client.api import API, ApiClient, ClientFailure
    from chemaudit_client.commands import EXIT_OK, follow_job, say

    body: dict = {"indices": args.indices}
    if getattr(args, "profile_id", None) is not None:
        body["profile_id"] = args.profile_id
    path = f"{API}/batch/{args.job_id}/subset/{args.subset_action}"
    async with ApiClient(args.server, args.api_key) as api:
        answer = await api.request_json("POST", path, json=body)
        if args.subset_action == "score-inline":
            print(json.dumps(answer, indent=2) if args.json else score_table(answer))
            return EXIT_OK
        new_job = answer.get("new_job_id")
        if not new_job:
            raise ClientFailure("The server's answer has no new_job_id; is this a ChemAudit server?")
        print(new_job, flush=True)
        say(f"Job {new_job} accepted: {args.subset_action} of {answer.get('molecule_count', 0):,} molecules "
            f"of job {args.job_id}.")
        if not args.watch:
            return EXIT_OK
        return await follow_job(api, new_job)


def score_table(answer: dict) -> str:
    lines = [f"Profile {answer.get('profile_name')} (id {answer.get('profile_id')})",
             f"{'index':>7}  {'score':>6}  name"]
    for molecule in answer.get("molecules", []):
        score = (molecule.get("profile") or {}).get("score")
        shown = f"{score:6.1f}" if isinstance(score, (int, float)) else f"{'-':>6}"
        lines.append(f"{molecule.get('index'):>7}  {shown}  {molecule.get('name')}")
    if answer.get("not_found"):
        lines.append(f"Not audited yet: {', '.join(map(str, answer['not_found']))}")
    return "\n".join(lines)
