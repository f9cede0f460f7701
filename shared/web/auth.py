"""Bearer-token authentication and role checks for views."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import current_app, g, request
from werkzeug.exceptions import Forbidden, Unauthorized

from shared.auth.tokens import InvalidToken, Principal, TokenVerifier

F = TypeVar("F", bound=Callable[..., Any])
EXTENSION = "token_verifier"


def current_principal() -> Principal:
    """The authenticated caller of this request (only inside a `requires` view)."""
    return cast(Principal, g.principal)


def _authenticate() -> Principal:
    """The request's verified caller; verified once per request (a before_request hook
    may already have asked)."""
    verified: Principal | None = g.get("verified_principal")
    if verified is not None:
        return verified
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("A bearer token is required.")
    verifier: TokenVerifier = current_app.extensions[EXTENSION]
    try:
        g.verified_principal = verifier.verify(token.strip())
        return cast(Principal, g.verified_principal)
    except InvalidToken as exc:
        raise _unauthorized(f"The bearer token is not valid: {exc}.") from exc


def authenticated_or_none() -> Principal | None:
    """The caller when the request carries a valid bearer token, else None (for hooks that
    run before the view, which answers a missing or bad token itself)."""
    try:
        return _authenticate()
    except Unauthorized:
        return None


def _unauthorized(detail: str) -> Unauthorized:
    return Unauthorized(detail)  # problems.py adds the WWW-Authenticate challenge


def requires(*roles: str) -> Callable[[F], F]:
    """Decorator: 401 without a valid token, 403 unless the caller holds one of `roles`."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = _authenticate()
            if roles and not principal.has_any(*roles):
                raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.")
            g.principal = principal
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


# OpenAPI security requirement of the routes that take a bearer token.
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
