"""A browsable API page rendered from the service's own OpenAPI document (no CDN, no JS),
and the AsyncAPI document of the events beside openapi.json."""

from __future__ import annotations

import functools
import json
from typing import Any

from flask import Blueprint, Response, current_app, render_template_string

from shared.config import ServiceConfig
from shared.events.asyncapi import asyncapi_document

API_EXTENSION = "openapi"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
 body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
 h1{font-size:1.5rem} code{background:#f1f3f7;padding:.1rem .3rem;border-radius:3px}
 .op{border:1px solid #dfe3ea;border-radius:6px;margin:.6rem 0;padding:.6rem .9rem}
 .m{display:inline-block;min-width:4.2rem;font-weight:700;text-transform:uppercase}
 .get{color:#1f6feb}.post{color:#1a7f37}.put{color:#9a6700}.delete{color:#cf222e}
 .auth{float:right;color:#57606a;font-size:.85rem} .d{color:#424a53;margin:.2rem 0 0}
</style></head><body>
<h1>{{ title }}</h1>
<p>Machine-readable: <a href="openapi.json"><code>openapi.json</code></a> (OpenAPI {{ version }}).
Errors are <code>application/problem+json</code>. The events, on Kafka and by webhook:
<a href="asyncapi.json"><code>asyncapi.json</code></a> (AsyncAPI 3.0).</p>
{% for op in operations %}<div class="op"><span class="m {{ op.method }}">{{ op.method }}</span>
<code>{{ op.path }}</code><span class="auth">{{ op.auth }}</span>
<p class="d">{{ op.summary }}</p>{% if op.body %}<p class="d">Body: <code>{{ op.body }}</code></p>
{% endif %}</div>{% endfor %}
</body></html>"""


def docs_blueprint() -> Blueprint:
    """GET /docs: every operation of the OpenAPI document, readable in a browser."""
    blp = Blueprint("docs", __name__)

    @blp.get("/docs")
    def docs() -> str:
        spec = current_app.extensions[API_EXTENSION].spec.to_dict()
        return render_template_string(
            PAGE,
            title=spec["info"]["title"],
            version=spec["openapi"],
            operations=list(_operations(spec)),
        )

    return blp


def asyncapi_blueprint(config: ServiceConfig) -> Blueprint:
    """GET /asyncapi.json: the published events' AsyncAPI document, no token (like
    /openapi.json: it holds no tenant data)."""
    blp = Blueprint("asyncapi", __name__)

    @functools.cache
    def body() -> str:  # the catalogue and the config do not change while the process runs
        return json.dumps(asyncapi_document(config))

    @blp.get("/asyncapi.json")
    def asyncapi() -> Response:
        return Response(body(), mimetype="application/json")

    return blp


def _operations(spec: dict[str, Any]) -> Any:
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            if method not in {"get", "post", "put", "delete", "patch"}:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref", "")
            security = [name for req in op.get("security", []) for name in req]
            yield {
                "method": method,
                "path": path,
                "summary": op.get("summary", ""),
                "body": ref.rsplit("/", 1)[-1],
                "auth": ", ".join(security) or "no token",
            }
