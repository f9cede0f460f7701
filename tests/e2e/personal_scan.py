"""Everything the running system shows or publishes, as text to search for a person's data:
every GET route of the three APIs' OpenAPI documents for every role, with every id the test
knows filled in; every record of every topic of the run read from offset 0; the bodies a
webhook receiver got; the processes' log files."""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer
from kafka.structs import TopicPartition

# Who reads: the README's columns, each a token of these roles (names are the subjects, so
# that a token's name claim cannot put a person's name into an answer)
READERS = {
    "admin": ("admin-1", ["admin"]),
    "coach": ("coach-1", ["coach"]),
    "manager": ("mgr-1", ["manager"]),
    "executive": ("exec-1", ["executive"]),
    "hr": ("hr-1", ["hr"]),
    "auditor": ("aud-1", ["auditor"]),
}
# routes whose answers hold nothing of anyone (documents of the API itself, probes)
SKIPPED = re.compile(r"^/(openapi\.json|asyncapi\.json|docs|healthz|readyz|events)")


@dataclass
class Seen:
    """What was read, by where it was read: "GET <url> as <role>", "kafka <topic>", ..."""

    texts: dict[str, str] = field(default_factory=dict)
    answered: int = 0  # 2xx answers among the requests
    statuses: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def where(self, needle: str) -> list[str]:
        """Where a string was seen (case-sensitive)."""
        return [place for place, text in self.texts.items() if needle in text]


def api_answers(system: Any, http: Any, ids: Mapping[str, Iterable[str]], seen: Seen) -> None:
    """GET every route of every API as every reader, each path parameter filled with each id
    the test knows for it; a parameter the test knows nothing for fails the scan."""
    for service, base in system.urls.items():
        document = http.get(f"{base}/openapi.json", timeout=10).json()
        for path, operations in document["paths"].items():
            if "get" not in operations or SKIPPED.match(path):
                continue
            for url in _urls(base, path, operations["get"], ids):
                for role, (subject, roles) in READERS.items():
                    headers = system.headers(subject, roles, system_tenant(ids))
                    response = http.get(url, headers=headers, timeout=30)
                    assert response.status_code < 500, f"{url} as {role}: {response.text}"
                    seen.answered += response.ok
                    seen.statuses[f"{service} {path}"].append(response.status_code)
                    seen.texts[f"GET {url} as {role}"] = response.text


def system_tenant(ids: Mapping[str, Iterable[str]]) -> str:
    [tenant] = list(ids["tenant"])
    return tenant


def _urls(base: str, path: str, get: Mapping[str, Any], ids: Mapping[str, Iterable[str]]):
    names = re.findall(r"{(\w+)}", path)
    missing = [n for n in names if n not in ids]
    assert not missing, f"the scan knows no {missing} for {path}"
    query = _query(get)
    for values in itertools.product(*(list(ids[n]) for n in names)):
        filled = path
        for name, value in zip(names, values, strict=True):
            filled = filled.replace(f"{{{name}}}", value)
        yield f"{base}{filled}{query}"
        if path in ("/audit", "/audit/export"):  # the engagement's trail as well as the tenant's
            yield f"{base}{filled}?engagement={next(iter(ids['engagement_id']))}"


def _query(get: Mapping[str, Any]) -> str:
    """The largest page a route allows, so that one answer holds everything."""
    for parameter in get.get("parameters", []):
        if parameter.get("in") == "query" and parameter["name"] == "limit":
            maximum = parameter.get("schema", {}).get("maximum", 500)
            return f"?limit={int(maximum)}"
    return ""


def kafka_records(bootstrap: str, prefix: str, seen: Seen) -> int:
    """Every record of every topic of the run, from offset 0 to the end; how many."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                             enable_auto_commit=False)  # fmt: skip
    count = 0
    try:
        topics = sorted(t for t in consumer.topics() if t.startswith(prefix))
        partitions = [TopicPartition(t, p) for t in topics
                      for p in sorted(consumer.partitions_for_topic(t) or ())]  # fmt: skip
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        chunks: dict[str, list[str]] = {t: [] for t in topics}
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            for tp, records in consumer.poll(timeout_ms=500).items():
                for record in records:
                    key = (record.key or b"").decode("utf-8", "replace")
                    value = (record.value or b"").decode("utf-8", "replace")
                    chunks[tp.topic].append(f"{key} {value}")
                    count += 1
        for topic, texts in chunks.items():
            seen.texts[f"kafka {topic}"] = "\n".join(texts)
    finally:
        consumer.close()
    return count


def webhook_bodies(receiver: Any, seen: Seen) -> int:
    """The bodies the receiver got; how many."""
    with receiver.lock:
        bodies = [json.dumps(r["event"], ensure_ascii=False) for r in receiver.received]
    seen.texts["webhook bodies"] = "\n".join(bodies)
    return len(bodies)


def log_lines(logs_dir: Path, seen: Seen) -> None:
    """The processes' log files."""
    for log in sorted(logs_dir.glob("*.log")):
        seen.texts[f"log {log.name}"] = log.read_text(errors="replace")
