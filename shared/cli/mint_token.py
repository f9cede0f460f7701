"""Mint a development token: python -m shared.cli.mint_token --sub S --tenant T --roles R."""

from __future__ import annotations

import argparse
import sys

from shared.auth.tokens import ROLES, mint
from shared.config import ServiceConfig


def main(argv: list[str] | None = None) -> int:
    """Print one signed token for the configured (HS256) secret."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sub", required=True, help="subject: the user's id")
    parser.add_argument("--tenant", required=True, help="the organisation")
    parser.add_argument("--roles", required=True, help=f"comma-separated, of {sorted(ROLES)}")
    parser.add_argument("--name", default="", help="display name")
    parser.add_argument("--ttl", type=int, default=8 * 3600, help="lifetime in seconds")
    args = parser.parse_args(argv)
    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    unknown = set(roles) - ROLES
    if unknown:
        parser.error(f"unknown roles: {', '.join(sorted(unknown))}")
    config = ServiceConfig.from_env("cli")
    token = mint(
        config.jwt_secret,
        subject=args.sub,
        tenant=args.tenant,
        roles=roles,
        issuer=config.jwt_issuer,
        audience=config.jwt_audience,
        name=args.name,
        ttl_seconds=args.ttl,
    )
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
