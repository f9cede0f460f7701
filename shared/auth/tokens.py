"""JWT verification behind a small port; HS256 locally, RS256/JWKS in production."""

from __future__ import annotations

import abc
import time
from dataclasses import dataclass
from typing import Any

import jwt

ROLES = frozenset({"admin", "coach", "manager", "executive", "hr", "auditor"})


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not ours."""


@dataclass(frozen=True)
class Principal:
    """The caller: subject, tenant and roles taken from a verified token."""

    subject: str
    tenant: str
    roles: frozenset[str]
    name: str = ""

    def has_any(self, *roles: str) -> bool:
        """True when the caller holds at least one of the roles."""
        return bool(self.roles & set(roles))


class TokenVerifier(abc.ABC):
    """Contract: `verify` returns the Principal of a valid token or raises InvalidToken."""

    @abc.abstractmethod
    def verify(self, token: str) -> Principal:
        """Check signature, expiry, issuer and audience; read subject, tenant and roles."""


class _JwtVerifier(TokenVerifier):
    def __init__(self, issuer: str, audience: str) -> None:
        self._issuer = issuer
        self._audience = audience

    def _key_and_algorithms(self, token: str) -> tuple[Any, list[str]]:
        raise NotImplementedError

    def verify(self, token: str) -> Principal:
        try:
            key, algorithms = self._key_and_algorithms(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        return _principal(claims)


class HS256Verifier(_JwtVerifier):
    """Shared-secret tokens, for local runs and tests."""

    def __init__(self, secret: str, issuer: str, audience: str) -> None:
        super().__init__(issuer, audience)
        self._secret = secret

    def _key_and_algorithms(self, token: str) -> tuple[Any, list[str]]:
        return self._secret, ["HS256"]


class JwksVerifier(_JwtVerifier):
    """RS256 tokens signed by an identity provider that publishes its keys as JWKS."""

    def __init__(self, jwks_url: str, issuer: str, audience: str) -> None:
        super().__init__(issuer, audience)
        self._keys = jwt.PyJWKClient(jwks_url, cache_keys=True)

    def _key_and_algorithms(self, token: str) -> tuple[Any, list[str]]:
        return self._keys.get_signing_key_from_jwt(token).key, ["RS256"]


def _principal(claims: dict[str, Any]) -> Principal:
    tenant, roles = claims.get("tenant"), claims.get("roles")
    if not isinstance(tenant, str) or not tenant:
        raise InvalidToken("token has no tenant")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InvalidToken("token roles must be a list of strings")
    name = claims.get("name")
    return Principal(str(claims["sub"]), tenant, frozenset(roles) & ROLES, str(name or ""))


def mint(
    secret: str,
    *,
    subject: str,
    tenant: str,
    roles: list[str],
    issuer: str,
    audience: str,
    name: str = "",
    ttl_seconds: int = 8 * 3600,
) -> str:
    """A signed HS256 development token."""
    now = int(time.time())
    claims = {
        "sub": subject,
        "tenant": tenant,
        "roles": roles,
        "name": name or subject,
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, secret, algorithm="HS256")
