import time

import jwt
import pytest

from shared.auth.tokens import HS256Verifier, InvalidToken, mint

SECRET, ISS, AUD = "s" * 40, "issuer", "audience"
verifier = HS256Verifier(SECRET, ISS, AUD)


def token(**overrides) -> str:
    args = dict(subject="c1", tenant="acme", roles=["coach"], issuer=ISS, audience=AUD)
    return mint(SECRET, **(args | overrides))


def test_minted_token_yields_the_principal():
    principal = verifier.verify(token(roles=["coach", "admin", "wizard"], name="Casey"))
    assert principal.subject == "c1" and principal.tenant == "acme" and principal.name == "Casey"
    assert principal.roles == {"coach", "admin"}


@pytest.mark.parametrize(
    "bad",
    [
        token(ttl_seconds=-10),
        token(issuer="elsewhere"),
        token(audience="other"),
        mint("x" * 40, subject="c1", tenant="acme", roles=[], issuer=ISS, audience=AUD),
        "not-a-jwt",
        jwt.encode({"sub": "c1", "iss": ISS, "aud": AUD, "exp": time.time() + 60}, SECRET),
        jwt.encode(
            {
                "sub": "c1",
                "tenant": "a",
                "roles": "admin",
                "iss": ISS,
                "aud": AUD,
                "exp": time.time() + 60,
            },
            SECRET,
        ),
    ],
    ids=["expired", "issuer", "audience", "secret", "garbage", "no-tenant", "roles-string"],
)
def test_invalid_tokens_are_refused(bad):
    with pytest.raises(InvalidToken):
        verifier.verify(bad)


def test_unsigned_token_is_refused():
    unsigned = jwt.encode(
        {
            "sub": "c1",
            "tenant": "acme",
            "roles": ["admin"],
            "iss": ISS,
            "aud": AUD,
            "exp": time.time() + 60,
        },
        key="",
        algorithm="none",
    )
    with pytest.raises(InvalidToken):
        verifier.verify(unsigned)
