"""The API reference page: the OpenAPI document rendered as one self-contained HTML page.

Rendered on the server from the same document served at /api/v1/openapi.json, with no script
and no outside resource: operations grouped by tag, their parameters, bodies and responses,
then every schema with its fields.
"""

from __future__ import annotations

import json
import re
from html import escape

CODE_SPAN = re.compile(r"`([^`]+)`")

STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1c2430;background:#f6f7f9}
header{background:#17324d;color:#fff;padding:1rem 2rem}header a{color:#cfe3ff}
main{max-width:70rem;margin:0 auto;padding:1rem 2rem 3rem}
h2{margin-top:2rem;border-bottom:2px solid #d5dae1;padding-bottom:.25rem;text-transform:capitalize}
section.op{background:#fff;border:1px solid #d5dae1;border-radius:6px;margin:1rem 0;padding:.75rem 1rem}
.method{display:inline-block;min-width:4.5rem;text-align:center;font-weight:700;border-radius:4px;
padding:.1rem .4rem;color:#fff;background:#2f6f3e;margin-right:.5rem}
.method.post{background:#1f5fa8}.method.delete{background:#a8321f}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
pre{background:#f0f2f5;padding:.5rem;overflow:auto;border-radius:4px}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d5dae1;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f5}
"""


def prose(text: str) -> str:
    """Escaped text, with Markdown `code` spans as <code>."""
    return CODE_SPAN.sub(r"<code>\1</code>", escape(text))


def _schema_text(schema: dict) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f'<a href="#schema-{escape(name)}">{escape(name)}</a>'
    return f"<code>{escape(json.dumps(schema, ensure_ascii=False))}</code>"


def _parameters(op: dict) -> str:
    params = op.get("parameters") or []
    if not params:
        return ""
    rows = "".join(
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
        f"<td>{'yes' if p.get('required') else 'no'}</td><td>{_schema_text(p['schema'])}</td>"
        f"<td>{prose(p.get('description', ''))}</td></tr>" for p in params)
    return ("<table><caption>Parameters</caption><tr><th scope=col>name</th><th scope=col>in</th>"
            f"<th scope=col>required</th><th scope=col>schema</th><th scope=col>description</th></tr>{rows}</table>")


def _body(op: dict) -> str:
    body = op.get("requestBody")
    if not body:
        return ""
    parts = "".join(f"<li><code>{escape(media)}</code>: {_schema_text(item['schema'])}</li>"
                    for media, item in body["content"].items())
    return f"<p>Request body:</p><ul>{parts}</ul>"


def _responses(op: dict, document: dict) -> str:
    shared = document["components"].get("responses", {})
    rows = []
    for status, response in op["responses"].items():
        if "$ref" in response:
            response = shared[response["$ref"].rsplit("/", 1)[-1]]
        content = response.get("content", {})
        kinds = ", ".join(f"<code>{escape(media)}</code> {_schema_text(item.get('schema', {}))}"
                          for media, item in content.items())
        rows.append(f"<tr><td>{escape(status)}</td><td>{prose(response['description'])}</td><td>{kinds}</td></tr>")
    return ("<table><caption>Responses</caption><tr><th scope=col>status</th><th scope=col>meaning</th>"
            f"<th scope=col>body</th></tr>{''.join(rows)}</table>")


def _operation(path: str, method: str, op: dict, document: dict) -> str:
    description = f"<p>{prose(op['description'])}</p>" if op.get("description") else ""
    return (f'<section class="op" id="{escape(op.get("operationId", path))}">'
            f'<h3><span class="method {method}">{method.upper()}</span><code>{escape(path)}</code></h3>'
            f"<p>{prose(op.get('summary', ''))}</p>{description}{_parameters(op)}{_body(op)}"
            f"{_responses(op, document)}</section>")


def render(document: dict) -> str:
    by_tag: dict[str, list[str]] = {}
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            tag = (op.get("tags") or ["other"])[0]
            by_tag.setdefault(tag, []).append(_operation(path, method, op, document))
    sections = "".join(f"<h2>{escape(tag)}</h2>{''.join(ops)}" for tag, ops in by_tag.items())
    schemas = "".join(
        f'<section class="op" id="schema-{escape(name)}"><h3>{escape(name)}</h3>'
        f"<pre>{escape(json.dumps(schema, indent=2, ensure_ascii=False))}</pre></section>"
        for name, schema in document["components"]["schemas"].items())
    info = document["info"]
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(info['title'])} API reference</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{escape(info['title'])} API {escape(info['version'])}</h1>"
        '<p><a href="/api/v1/openapi.json">openapi.json</a> · <a href="/">dashboard</a></p></header>'
        f"<main><p>{prose(info.get('description', ''))}</p>{sections}<h2>schemas</h2>{schemas}</main>"
        "</body></html>"
    )
