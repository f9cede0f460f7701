"""Every metric the system exports (shared/observability/metrics.py) follows Prometheus'
conventions and is in the README's metrics table with what an alert on it means."""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import Counter, Gauge, Histogram

from shared.observability import metrics

README = Path(__file__).resolve().parents[2] / "README.md"
FORBIDDEN_LABELS = {"tenant", "engagement", "engagement_id", "person", "subject", "id", "path"}


def exported() -> dict[str, object]:
    kinds = Counter | Gauge | Histogram
    return {m._name: m for m in vars(metrics).values() if isinstance(m, kinds)}


def readme_metrics() -> set[str]:
    section = README.read_text().split("## Operations: what to watch", 1)[1].split("\n## ", 1)[0]
    return {name for row in section.splitlines() if row.startswith("| `mastery_")
            for name in re.findall(r"`(mastery_[a-z_]+)`", row.split("|")[1])}  # fmt: skip


def test_every_metric_is_in_the_readme_table_and_every_row_is_a_metric():
    names = {m._name + ("_total" if isinstance(m, Counter) else "") for m in exported().values()}
    assert names == readme_metrics()


def test_names_follow_the_conventions_and_labels_carry_no_identity():
    for name, metric in exported().items():
        assert name.startswith("mastery_"), name
        if isinstance(metric, Counter):
            assert metric._type == "counter"
        if isinstance(metric, Histogram):
            assert name.endswith("_seconds"), name
        assert not set(metric._labelnames) & FORBIDDEN_LABELS, (name, metric._labelnames)
