"""Dead letters: python -m shared.cli.dead_letters {list,show,replay,drop}

  list [--all] [--json]                       the parked dead letters (--all: replayed and
                                              dropped ones too), oldest first
  show ID [ID ...]                            one in full: error, trace, headers, the event
  replay (ID ... | --all) --reason R [--actor A] [--group G] [--again]
                                              send it back to the consumer group that gave
                                              up on it, and record who and why
  drop ID [ID ...] --reason R [--actor A]     record that it is not to be replayed

An ID is `<dead-letter topic>/<partition>/<offset>`, as `list` prints it. Every replay and
drop is recorded on `<prefix>.dead-letters.actions` (shared/messaging/dead_letters.py).
Exit codes: 0 done, 1 refused or not found, 2 usage.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from shared.config import ServiceConfig
from shared.messaging.dead_letters import PARKED, DeadLetter, DeadLetterTopics


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in ("replay", "drop") and not args.reason.strip():
        print(f"{args.command}: --reason must say why (it is kept in the audit trail)",
              file=sys.stderr)  # fmt: skip
        return 2
    config = ServiceConfig.from_env("cli")
    topics = DeadLetterTopics(config.kafka_bootstrap_servers, config.topic_prefix,
                              config.dead_letter_actions_topic)  # fmt: skip
    try:
        return COMMANDS[args.command](topics, args)
    finally:
        topics.close()


def _list(topics: DeadLetterTopics, args: argparse.Namespace) -> int:
    letters = [d for d in topics.all() if args.all or d.state == PARKED]
    if args.json:
        for letter in letters:
            print(json.dumps(letter.summary()))
        return 0
    if not letters:
        print("no dead letters" + ("" if args.all else " parked"))
        return 0
    print(f"{'ID':<44} {'STATE':<9} {'GROUP':<30} {'PARKED AT':<26} ERROR")
    for letter in letters:
        s = letter.summary()
        print(f"{s['id']:<44} {s['state']:<9} {s['group']:<30} {s['parked_at'][:26]:<26} "
              f"{s['error'][:120]}")  # fmt: skip
    return 0


def _show(topics: DeadLetterTopics, args: argparse.Namespace) -> int:
    found = _found(topics, args.ids)
    if found is None:
        return 1
    for letter in found:
        print(json.dumps(letter.detail(), indent=2, ensure_ascii=False))
    return 0


def _replay(topics: DeadLetterTopics, args: argparse.Namespace) -> int:
    if bool(args.ids) == bool(args.all):
        print("replay: name dead letters by ID, or --all", file=sys.stderr)
        return 2
    if args.all:
        chosen = [d for d in topics.all() if d.state == PARKED
                  and (not args.group or d.group == args.group)]  # fmt: skip
    else:
        found = _found(topics, args.ids)
        if found is None:
            return 1
        chosen = found
    refused = [d for d in chosen if d.state != PARKED and not args.again]
    for letter in refused:
        print(f"{letter.id} is {letter.state} already ({_last(letter)}); --again replays it "
              "once more", file=sys.stderr)  # fmt: skip
    if refused:
        return 1
    for letter in chosen:
        action = topics.replay(letter, args.actor, args.reason)
        print(f"replayed {letter.id} to {action['to']}")
    if not chosen:
        print("nothing to replay")
    return 0


def _drop(topics: DeadLetterTopics, args: argparse.Namespace) -> int:
    found = _found(topics, args.ids)
    if found is None:
        return 1
    refused = [d for d in found if d.state != PARKED]
    for letter in refused:
        print(f"{letter.id} is {letter.state} already ({_last(letter)})", file=sys.stderr)
    if refused:
        return 1
    for letter in found:
        topics.drop(letter, args.actor, args.reason)
        print(f"dropped {letter.id}")
    return 0


def _found(topics: DeadLetterTopics, ids: list[str]) -> list[DeadLetter] | None:
    """The named dead letters, or None (with a message) if one is not found."""
    by_id = {d.id: d for d in topics.all()}
    missing = [i for i in ids if i not in by_id]
    for letter_id in missing:
        print(f"no dead letter {letter_id} (see `list --all`)", file=sys.stderr)
    return None if missing else [by_id[i] for i in ids]


def _last(letter: DeadLetter) -> str:
    last: dict[str, Any] = letter.actions[-1] if letter.actions else {}
    return f"by {last.get('actor')} at {last.get('at')}: {last.get('reason')}"


COMMANDS = {"list": _list, "show": _show, "replay": _replay, "drop": _drop}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m shared.cli.dead_letters",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="the parked dead letters")
    listing.add_argument("--all", action="store_true", help="replayed and dropped ones too")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    show = sub.add_parser("show", help="dead letters in full")
    show.add_argument("ids", nargs="+", metavar="ID")
    replay = sub.add_parser("replay", help="send back to the consumer group that gave up")
    replay.add_argument("ids", nargs="*", metavar="ID")
    replay.add_argument("--all", action="store_true", help="every parked dead letter")
    replay.add_argument("--group", default="", help="with --all: only this group's")
    replay.add_argument("--again", action="store_true", help="replay one replayed before")
    drop = sub.add_parser("drop", help="record that it is not to be replayed")
    drop.add_argument("ids", nargs="+", metavar="ID")
    for acting in (replay, drop):
        acting.add_argument("--reason", required=True, help="why (kept in the audit trail)")
        acting.add_argument("--actor", default=_user(), help="who (default: this user)")
    return parser


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
