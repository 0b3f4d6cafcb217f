"""Readable text for a job: its status lines and a page of results as a table."""

from __future__ import annotations

from chemaudit_client.progress import ProgressState, format_duration

NAME_WIDTH = 28
ISSUES_WIDTH = 48
ALERTS_WIDTH = 30


def clip(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def progress_state(message: dict) -> ProgressState:
    return ProgressState(status=message["status"], processed=int(message["processed"]),
                         total=int(message["total"]), eta_seconds=message.get("eta_seconds"),
                         progress=message.get("progress"))


def status_text(message: dict) -> str:
    """The /status message as a few aligned lines."""
    state = progress_state(message)
    lines = [
        f"job       {message['job_id']}",
        f"status    {state.status}",
        f"progress  {state.percent:.1f}% ({state.processed:,}/{state.total:,} molecules)",
    ]
    if state.status == "processing" and state.processed:
        lines.append(f"eta       {format_duration(state.eta_seconds)}")
    for key, label in (("started_at", "started"), ("finished_at", "finished")):
        if message.get(key):
            lines.append(f"{label:<9} {message[key]}")
    if message.get("error_message"):
        lines.append(f"error     {message['error_message']}")
    return "\n".join(lines)


def _issues(item: dict) -> str:
    if item.get("status") == "error":
        return item.get("error") or "could not be read"
    issues = (item.get("validation") or {}).get("issues") or []
    if not issues:
        return "-"
    names = ", ".join(issue.get("check_name", "?") for issue in issues)
    return f"{len(issues)}: {names}"


def _alerts(item: dict) -> str:
    alerts = (item.get("alerts") or {}).get("alerts") or []
    if not alerts:
        return "-"
    catalogs: dict[str, int] = {}
    for alert in alerts:
        catalog = alert.get("catalog") or "?"
        catalogs[catalog] = catalogs.get(catalog, 0) + 1
    return f"{len(alerts)}: " + ", ".join(f"{name}" if n == 1 else f"{name} x{n}" for name, n in catalogs.items())


def _score(item: dict) -> str:
    if item.get("status") == "error":
        return "-"
    score = (item.get("validation") or {}).get("overall_score")
    return "-" if score is None else str(score)


def result_rows(items: list[dict]) -> list[tuple[str, ...]]:
    return [(str(item.get("index", "")), clip(item.get("name") or "", NAME_WIDTH), item.get("status", ""),
             _score(item), clip(_issues(item), ISSUES_WIDTH), clip(_alerts(item), ALERTS_WIDTH))
            for item in items]


HEADERS = ("index", "name", "status", "score", "issues", "alerts")
RIGHT_ALIGNED = {0, 3}


def render_table(rows: list[tuple[str, ...]], headers: tuple[str, ...] = HEADERS) -> str:
    widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) if rows else len(headers[i])
              for i in range(len(headers))]

    def line(cells) -> str:
        parts = [cell.rjust(widths[i]) if i in RIGHT_ALIGNED else cell.ljust(widths[i])
                 for i, cell in enumerate(cells)]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), line("-" * width for width in widths)] + [line(row) for row in rows])


def results_text(page: dict) -> str:
    """A heading line, then the page's results as a table."""
    total = page.get("total_results", 0)
    heading = (f"job {page.get('job_id')}: {page.get('status')}, {total:,} matching results, "
               f"page {page.get('page')} of {max(page.get('total_pages') or 0, 1)}")
    if not page.get("results"):
        return heading + "\n(no results on this page)"
    return heading + "\n" + render_table(result_rows(page["results"]))
