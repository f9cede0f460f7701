"""The README's access matrices as data: one table per service, rows = routes, one cell per
column. The route-by-route tests of every tier take their expectations from here, and
tests/unit/test_access_matrix.py checks these tables and the README's agree."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

COLUMNS = ("admin", "coach", "manager", "executive", "hr", "auditor", "others")
# Each caller the tests try: (the README column they fall in, their token roles).
CALLERS = {
    "admin": ("admin", ["admin"]),
    "coach": ("coach", ["coach"]),
    "other-coach": ("others", ["coach"]),
    "manager": ("manager", ["manager"]),
    "other-manager": ("others", ["manager"]),
    "executive": ("executive", ["executive"]),
    "hr": ("hr", ["hr"]),
    "auditor": ("auditor", ["auditor"]),
}
NO = "—"
R, W = "read", "write"
READERS = (R, R, R, R, R, R, NO)  # the participants and the tenant-wide readers
ADMINISTER = (W, W, NO, NO, NO, NO, NO)  # the engagement's coach and admin
MANAGER = (NO, NO, W, NO, NO, NO, NO)
NO_NOTES = "read (no private notes)"
SESSIONS = (NO_NOTES, "read (own private notes)", NO_NOTES, NO_NOTES, NO_NOTES, NO_NOTES, NO)
TENANT_WIDE = (R, NO, NO, NO, R, R, NO)
PROFILES, NO_PROFILES = "read (with profiles)", "read (without profiles)"
E = "/engagements/{id}"
ROUND = f"{E}/rounds/{{rid}}"
OWN = "read if their own"  # a person's own data: anyone with a token, for themselves
QUIET = "read (no responses while open)"  # an open round's responses: coach and admin only

ASSESSMENT: dict[str, tuple[str, ...]] = {
    "POST /engagements": (W, "write (as its coach)", NO, NO, NO, NO, NO),
    f"GET {E}": ("read (with contacts)", "read (with contacts)", R, R, R, R, NO),
    f"POST {E}/stakeholders": ADMINISTER,
    f"DELETE {E}/stakeholders/{{sid}}": ADMINISTER,
    f"PUT {E}/coach": ADMINISTER,
    f"PUT {E}/manager": ADMINISTER,
    f"POST {E}/phase": ADMINISTER,
    f"POST {E}/cancellation": ADMINISTER,
    f"POST {E}/rounds": ADMINISTER,
    f"GET {E}/rounds": ("read (with responses)", "read (with responses)", *(QUIET,) * 4, NO),
    f"GET {ROUND}": ("read (with invitations)", "read (with invitations)", *(QUIET,) * 4, NO),
    f"POST {ROUND}/invitations": ADMINISTER,
    f"POST {ROUND}/invitations/{{iid}}/reminder": ADMINISTER,
    f"DELETE {ROUND}/invitations/{{iid}}": ADMINISTER,
    f"POST {ROUND}/closure": ADMINISTER,
    f"GET {ROUND}/results": (R, R, "read if shared", R, R, R, NO),
    f"GET {ROUND}/comments": (R, R, "read if shared", R, NO, NO, NO),
    f"POST {E}/profiles": ADMINISTER,
    f"POST {E}/barriers": ADMINISTER,
    f"POST {E}/barriers/{{bid}}/resolution": ADMINISTER,
    f"PUT {E}/development-areas": ADMINISTER,
    f"GET {E}/needs-assessment": (PROFILES, PROFILES, NO_PROFILES, PROFILES, NO, NO, NO),
    "POST /subjects/{person_id}/erasure": (W, NO, NO, NO, NO, NO, NO),
    "GET /subjects/{person_id}/export": (R, *(OWN,) * 6),
    "GET /settings/retention": (R, NO, NO, NO, R, R, NO),
    "PUT /settings/retention": (W, NO, NO, NO, NO, NO, NO),
}

KPI: dict[str, tuple[str, ...]] = {
    f"GET {E}/kpis": READERS,
    f"GET {E}/kpis/{{kpi_id}}": READERS,
    f"POST {E}/kpis": (NO, W, W, NO, NO, NO, NO),
    f"PATCH {E}/kpis/{{kpi_id}}": (NO, "write if sent back", W, NO, NO, NO, NO),
    f"POST {E}/kpis/{{kpi_id}}/send-back": MANAGER,
    f"POST {E}/kpis/{{kpi_id}}/approval": MANAGER,
    f"POST {E}/kpis/{{kpi_id}}/retirement": MANAGER,
    f"PUT {E}/kpis/weights": MANAGER,
    f"POST {E}/reviews": MANAGER,
    f"GET {E}/reviews": READERS,
    f"POST {E}/sessions": (NO, W, NO, NO, NO, NO, NO),
    f"GET {E}/sessions": SESSIONS,
    f"GET {E}/sessions/{{sid}}": SESSIONS,
}

SHARED_ROUNDS = (R, R, "read (shared rounds)", R, R, R, NO)
REPORTING: dict[str, tuple[str, ...]] = {
    f"GET {E}/timeline": READERS,
    f"GET {E}/kpis": READERS,
    f"GET {E}/kpis/{{kpi_id}}/history": READERS,
    f"GET {E}/feedback": SHARED_ROUNDS,
    f"GET {E}/audit/verify": READERS,
    f"GET {E}/summary": SHARED_ROUNDS,
    f"GET {E}/dashboard": SHARED_ROUNDS,
    "GET /audit?engagement={id}": READERS,
    "GET /audit/export?engagement={id}": READERS,
    "GET /audit": TENANT_WIDE,
    "GET /audit/export": TENANT_WIDE,
    "GET /overview": TENANT_WIDE,
    "GET /dashboard": TENANT_WIDE,
    "GET /managers/me/kpis": (R, R, R, R, R, R, R),
    "GET /webhooks": (R, NO, NO, NO, R, NO, NO),
}
TABLES = {"assessment": ASSESSMENT, "kpi": KPI, "reporting": REPORTING}


def cell(table: dict[str, tuple[str, ...]], route: str, caller: str) -> str:
    """The README cell that applies to a caller (a key of CALLERS) on a route."""
    return table[route][COLUMNS.index(CALLERS[caller][0])]


def allowed(cell_text: str, variant: str = "") -> bool:
    """Whether a cell lets the caller through: "read"/"write", and the condition after
    "if" when there is one (the test's variant of the resource must be it)."""
    if cell_text == NO:
        return False
    _, _, condition = cell_text.partition(" if ")
    return not condition or condition == variant


def about_an_engagement(route: str) -> bool:
    """Whether a route is about one engagement (another tenant's caller then gets 404)."""
    return "{id}" in route


def readme_tables(readme: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """The access matrices of the README, by service (the `### <service> service` heading
    under "Who may do what" introduces each)."""
    section = readme.read_text().split("## Who may do what", 1)[1].split("\n## ", 1)[0]
    tables: dict[str, dict[str, tuple[str, ...]]] = {}
    for heading, body in re.findall(r"^### (\w+) service\n(.*?)(?=^### |\Z)", section, re.M | re.S):
        rows = [line.strip().strip("|").split("|") for line in body.splitlines()]
        tables[heading] = {
            cells[0].strip().strip("`"): tuple(c.strip() for c in cells[1:])
            for cells in rows
            if len(cells) == len(COLUMNS) + 1 and cells[0].strip().startswith("`")
        }
    return tables


@dataclass(frozen=True)
class Call:
    """One request a route-by-route test makes: a row of a table, the answer when allowed,
    the body, the variant of the resource it acts on (for a cell's "if"), and which of the
    test's resources fill the route's placeholders where they differ from the defaults."""

    route: str
    status: int = 200
    body: dict[str, Any] | None = None
    variant: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    query: str = ""

    @property
    def method(self) -> str:
        return self.route.split(" ", 1)[0]

    def url(self, ids: dict[str, str]) -> str:
        """The route's path with its placeholders filled from `ids` (and `self.ids`)."""
        path = self.route.split(" ", 1)[1]
        for name, value in (ids | {k: ids[v] for k, v in self.ids.items()}).items():
            path = path.replace(f"{{{name}}}", value)
        return path + self.query

    def json(self, ids: dict[str, str]) -> dict[str, Any] | None:
        """The body with "{name}" keys and values replaced by the test's resource ids."""
        return _filled(self.body, ids) if self.body is not None else None

    def name(self) -> str:
        return self.route + self.query + (f" [{self.variant}]" if self.variant else "")


def _filled(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {_filled(k, ids): _filled(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, ids) for v in value]
    if isinstance(value, str) and value.startswith("{") and value[1:-1] in ids:
        return ids[value[1:-1]]
    return value


def expected(table: dict[str, tuple[str, ...]], call: Call, caller: str, foreign: bool) -> int:
    """The status a caller gets: 404 from another tenant on a route about an engagement, the
    call's status where the cell allows it, else 403."""
    if foreign and about_an_engagement(call.route):
        return 404
    return call.status if allowed(cell(table, call.route, caller), call.variant) else 403


def bracket(cell_text: str) -> str:
    """What a cell says the answer holds ("with contacts"), or "" for a plain read."""
    found = re.search(r"\((.*)\)", cell_text)
    return found.group(1) if found else ""


def grid(calls: list[Call]) -> list[Any]:
    """pytest parameters: every call x every caller x own tenant and another tenant."""
    return [
        pytest.param(call, caller, foreign, id=f"{call.name()}-{caller}-{where}")
        for call in calls
        for caller in CALLERS
        for foreign, where in ((False, "own"), (True, "foreign"))
    ]
