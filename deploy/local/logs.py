"""Reading the components' log files: tails, follow mode and output written since a point."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from deploy.local.profiles import Profile


def log_files(profile: Profile, component: str | None) -> list[Path]:
    """Existing log files of one component (or all)."""
    files = {
        "kafka": [profile.logs_dir / "kafka.out", profile.logs_dir / "kafka.log"],
        "mongo": [profile.logs_dir / "mongo.log"],
    }
    chosen = [files[component]] if component else list(files.values())
    return [path for group in chosen for path in group if path.exists()]


def tail(path: Path, lines: int = 20) -> str:
    """Last lines of a text file ('' if absent)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))
            data = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def follow(paths: list[Path]) -> None:
    """Print lines appended to the files until interrupted."""
    offsets = {path: path.stat().st_size for path in paths}
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            for path in paths:
                with contextlib.suppress(OSError), path.open("rb") as fh:
                    size = path.stat().st_size
                    fh.seek(offsets[path] if size >= offsets[path] else 0)
                    chunk = fh.read()
                    offsets[path] = fh.tell()
                    if chunk:
                        sys.stdout.write(chunk.decode(errors="replace"))
                        sys.stdout.flush()
            time.sleep(0.5)


def log_offsets(paths: list[Path]) -> dict[Path, int]:
    """Current sizes of log files (0 if absent), to report only output written after them."""
    return {path: path.stat().st_size if path.exists() else 0 for path in paths}


def output_since(offsets: Mapping[Path, int], lines: int = 25) -> str:
    """The last lines each log gained since offsets, formatted for an error message."""
    parts = []
    for path, offset in offsets.items():
        with contextlib.suppress(OSError), path.open("rb") as fh:
            fh.seek(max(offset, path.stat().st_size - 64 * 1024))
            text = "\n".join(fh.read().decode(errors="replace").splitlines()[-lines:])
            if text.strip():
                parts.append(f"\n--- {path} ---\n{text}")
    return "".join(parts) or " (no new log output)"
