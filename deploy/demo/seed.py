"""Seed one realistic six-month coaching engagement into the running system, over HTTP only.

Usage: python -m deploy.demo.seed [--profile dev|test] [--assessment URL --kpi URL
       --reporting URL] [--tenant T] [--wait SECONDS]

Casey Coach coaches Alex Executive, managed by Dana Manager: a baseline 360, the needs
assessment, four KPIs aligned about six months ago, six monthly reviews and coaching
sessions, and a final 360 that measures the behavioural KPIs. Dates are relative to today.
Every write goes through the public APIs with tokens minted from the local JWT settings
(ML_JWT_SECRET etc.); nothing touches a database or Kafka. Any non-2xx answer stops the
seed with its status and problem body (exit code 1).

This module is the command line and the order of the chapters; the HTTP client is in
client.py, the people and shared state in story.py, the chapters in assessment.py,
rounds.py (the 360s and the pulse), kpis.py (alignment and monthly reviews) and sessions.py.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections import Counter
from collections.abc import Mapping

from deploy.demo import assessment, kpis, rounds, sessions
from deploy.demo.client import Client, SeedError, wait_for
from deploy.demo.story import MANAGER, Story, Urls, tokens_for
from deploy.local import infra, stack


def tell(story: Story) -> None:
    """Every chapter, in the order it happened."""
    assessment.open_engagement(story)
    rounds.baseline_360(story)
    assessment.needs_assessment(story)
    kpis.align_kpis(story)
    six_months(story)
    rounds.pulse_on_listening(story)
    rounds.final_360(story)


def six_months(story: Story) -> None:
    """Each month: a coaching session mid-month, then the monthly review."""
    for month in range(1, 7):
        story.http.chapter = f"month-{month}"
        sessions.session(story, month)
        review_id = kpis.review(story, month)
        kpis.change_at_review(story, month, review_id)


def urls_for(args: argparse.Namespace, env: Mapping[str, str] | None) -> Urls:
    """The profile's API URLs, each overridable on the command line."""
    profile = infra.Profile.from_name(args.profile, env)
    found = {p.name.removesuffix("-api"): p.url for p in stack.processes(profile, env) if p.port}
    return Urls(*((getattr(args, name) or found[name]).rstrip("/") for name in stack.SERVICES))


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="dev", choices=tuple(stack.BASE_PORTS))
    for service in stack.SERVICES:
        parser.add_argument(f"--{service}", metavar="URL", help=f"the {service} API's base URL")
    parser.add_argument("--tenant", default="acme", help="the organisation (default: acme)")
    parser.add_argument(
        "--wait", type=float, default=30.0, metavar="SECONDS",
        help="how long to wait for the workers to catch up (default: 30)",
    )  # fmt: skip
    return parser.parse_args(argv)


def report(story: Story, counts: Counter[str], seconds: float) -> None:
    """Where to look, and a curl line to read the timeline as the manager."""
    reporting = f"{story.urls.reporting}/engagements/{story.engagement_id}"
    print(f"\nSeeded a six-month engagement in {seconds:.1f} s.")
    print(f"engagement  {story.engagement_id}")
    print(f"events      {sum(counts.values())} on the reporting timeline:")
    for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {count:>4}  {name}")
    print(f"dashboard   {reporting}/dashboard?access_token={story.tokens.manager}")
    print(f"timeline    {reporting}/timeline")
    print(f"\nAs {MANAGER['name']} (token valid for 8 hours; the dashboard link carries it):")
    bearer = f"Authorization: Bearer {story.tokens.manager}"
    print(f"curl -s '{reporting}/timeline?limit=500' -H '{bearer}'")


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Seed the engagement, wait for the reporting timeline, print where to look."""
    args = parse(argv)
    started = time.monotonic()
    story = Story(Client(uuid.uuid4().hex[:8]), urls_for(args, env),
                  tokens_for(args.tenant, env), args.wait)  # fmt: skip
    try:
        counts = tell_and_count(story)
    except SeedError as exc:
        where = f" (engagement {story.engagement_id})" if story.engagement_id else ""
        print(f"demo seed failed{where}: {exc}", file=sys.stderr)
        return 1
    report(story, counts, time.monotonic() - started)
    return 0


def tell_and_count(story: Story) -> Counter[str]:
    """Tell the story, then wait until the reporting timeline shows it all; events per type."""
    tell(story)
    expected = sum(story.expected.values())
    wait_for(lambda: story.timeline_total() >= expected, story.wait,
             f"the reporting timeline to show all {expected} events"
             " (are the kpi and reporting workers running?)")  # fmt: skip
    return story.timeline_counts()


if __name__ == "__main__":
    raise SystemExit(main())
