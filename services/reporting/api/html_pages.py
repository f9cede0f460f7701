"""The HTML pages' edge: the token from the header or the query string, refusals as small
HTML pages, the headers every page carries, links that pass the token on.

The pages take the usual `Authorization: Bearer` header or, so that a browser can open a
link, an `access_token` query parameter holding the same short-lived token. The request log
records the path only (shared/web/app_factory.py), never the query string; the pages answer
with `Referrer-Policy: no-referrer` and `Cache-Control: no-store` so the token does not travel
on in a Referer header or stay in a cache. Errors are small HTML pages (401, 403, 404, 422), never
a 500 for a missing or bad token.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import jwt
from flask import Response, current_app, g, render_template, request, url_for

from shared.auth.tokens import InvalidToken, Principal, TokenVerifier
from shared.domain.errors import DomainError
from shared.web import auth

F = TypeVar("F", bound=Callable[..., Any])
TOKEN_PARAMETER = "access_token"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:;"
    " base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
}
SIGN_IN = "Sign-in needed"
ERROR_TITLES = {404: "Not found", 422: "Not understood"}


def page(status: int, template: str, **context: Any) -> Response:
    """An HTML response with the headers every page carries."""
    response = Response(render_template(template, **context), status, mimetype="text/html")
    response.headers.update(PAGE_HEADERS)
    return response


def error_page(status: int, title: str, detail: str) -> Response:
    """The small HTML page of a refusal."""
    response = page(status, "base.html", title=title, error={"status": status, "detail": detail})
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mastery-ledger"'
    return response


def html_page(*roles: str) -> Callable[[F], F]:
    """Like `requires`, with the token from the header or the query string, and refusals as
    HTML pages."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            refusal = _sign_in(roles)
            if refusal is not None:
                return refusal
            try:
                return view(*args, **kwargs)
            except DomainError as exc:
                title = ERROR_TITLES.get(exc.status, "Not allowed")
                return error_page(exc.status, title, str(exc))

        return cast(F, wrapper)

    return decorate


def _sign_in(roles: tuple[str, ...]) -> Response | None:
    """Verify the caller's token and keep who they are on `g`; the refusal page if not."""
    token, from_query = _token()
    if not token:
        return error_page(
            401,
            SIGN_IN,
            "Open this page with a bearer token:"
            " an Authorization header, or ?access_token= in the link.",
        )
    verifier: TokenVerifier = current_app.extensions[auth.EXTENSION]
    try:
        principal = verifier.verify(token)
    except InvalidToken:
        return error_page(
            401, SIGN_IN, "The access token is not valid or has expired: ask for a new link."
        )
    if roles and not principal.has_any(*roles):
        return error_page(403, "Not for your role", f"This page is for {', '.join(roles)}.")
    g.principal = principal
    g.page_token = token if from_query else None
    g.token_expires = _expires(token)
    return None


def _token() -> tuple[str, bool]:
    """The caller's token and whether it came in the query string."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip(), False
    return request.args.get(TOKEN_PARAMETER, "").strip(), True


def _expires(token: str) -> str | None:
    """When a token (already verified) runs out, for the page's footer."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return datetime.fromtimestamp(int(claims["exp"]), UTC).strftime("%d %b %Y %H:%M UTC")
    except (jwt.PyJWTError, KeyError, TypeError, ValueError, OverflowError):
        return None


def viewer(principal: Principal, role: str | None = None) -> dict[str, Any]:
    """Who is looking, for the page's header and footer."""
    roles = sorted(principal.roles)
    return {
        "name": principal.name or principal.subject,
        "role": role or ", ".join(roles),
        "expires": g.get("token_expires"),
        "via_link": g.get("page_token") is not None,
    }


def link(endpoint: str, **values: Any) -> str:
    """A link to another page, carrying the token on when it came in the link."""
    if g.get("page_token"):
        values[TOKEN_PARAMETER] = g.page_token
    return url_for(endpoint, **values)
