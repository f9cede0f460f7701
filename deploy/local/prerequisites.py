"""Tools and one-time builds: Java, the Maven-fetched Kafka jars, FerretDB built with Go.

Kafka runs from jars fetched by Maven (deploy/local/kafka/pom.xml) into .cache/kafka/<version>/libs;
FerretDB (used when there is no MONGO_URI and no ``mongod`` on PATH) is built into .cache/bin.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from deploy.local.processes import run
from deploy.local.profiles import (
    CACHE_DIR,
    HERE,
    REPO_ROOT,
    Echo,
    InfraError,
    PrerequisiteError,
    Profile,
)

KAFKA_VERSION = "4.1.1"
KAFKA_LIBS = CACHE_DIR / "kafka" / KAFKA_VERSION / "libs"
KAFKA_CORE_JAR = KAFKA_LIBS / f"kafka_2.13-{KAFKA_VERSION}.jar"
KAFKA_POM = HERE / "kafka" / "pom.xml"
MIN_JAVA = 17

FERRETDB_VERSION = "1.24.2"
FERRETDB_MODULE = "github.com/FerretDB/FerretDB"
FERRETDB_BIN = CACHE_DIR / "bin" / "ferretdb"
FERRETDB_SRC = CACHE_DIR / "ferretdb" / f"src-{FERRETDB_VERSION}"
# Applied in name order to FerretDB's source before it is built (see the folder's README)
FERRETDB_PATCHES = HERE / "ferretdb"
# Beside the binary: the version and patches it was built from
FERRETDB_STAMP = FERRETDB_BIN.with_name("ferretdb.build")

MongoMode = Literal["external", "mongod", "ferretdb"]
_WHY_MVN = f"needed once to fetch the Kafka {KAFKA_VERSION} jars"


def require_tool(name: str, why: str) -> str:
    """Absolute path of a tool on PATH, or PrerequisiteError."""
    path = shutil.which(name)
    if path is None:
        raise PrerequisiteError(f"`{name}` not found on PATH: {why}")
    return path


def _java() -> str:
    """Path of a java >= 17 (JAVA_HOME first, then PATH)."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else None
    if java is None or not os.access(java, os.X_OK):
        java = require_tool("java", f"Kafka {KAFKA_VERSION} needs Java >= {MIN_JAVA}")
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if match is None:
        raise PrerequisiteError(f"cannot tell the version of {java} (`java -version` output)")
    major = int(match.group(2) or 0) if match.group(1) == "1" else int(match.group(1))
    if major < MIN_JAVA:
        raise PrerequisiteError(
            f"{java} is Java {major}; Kafka {KAFKA_VERSION} needs >= {MIN_JAVA}"
        )
    return java


def _kafka_jars_present() -> bool:
    """Whether the Kafka runtime jars are already in the cache."""
    return KAFKA_CORE_JAR.is_file()


def ferretdb_build_id() -> str:
    """What the binary must be built from: the version and a digest of every patch."""
    digest = hashlib.sha256()
    for patch in _ferretdb_patches():
        digest.update(patch.name.encode() + b"\x00" + patch.read_bytes() + b"\x00")
    return f"v{FERRETDB_VERSION}+patches.{digest.hexdigest()[:16]}"


def _ferretdb_patches() -> list[Path]:
    return sorted(FERRETDB_PATCHES.glob("*.patch"))


def _ferretdb_works() -> bool:
    """Whether the cached FerretDB binary runs, is the expected version and was built with
    the patches there are now (an older build is rebuilt)."""
    if not os.access(FERRETDB_BIN, os.X_OK):
        return False
    try:
        if FERRETDB_STAMP.read_text().strip() != ferretdb_build_id():
            return False
    except OSError:  # no stamp: built before the patches were
        return False
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        result = subprocess.run(
            [str(FERRETDB_BIN), "--version"], capture_output=True, text=True, timeout=20
        )
        return result.returncode == 0 and f"v{FERRETDB_VERSION}" in result.stdout
    return False


def mongo_mode(profile: Profile) -> MongoMode:
    """Which MongoDB-wire server this profile uses."""
    if profile.external_mongo_uri:
        return "external"
    return "mongod" if shutil.which("mongod") else "ferretdb"


def check_prerequisites(profile: Profile) -> str:
    """Verify tools needed by ``up`` (raise PrerequisiteError); return the java path."""
    java = _java()
    if not _kafka_jars_present():
        require_tool("mvn", _WHY_MVN)
    if mongo_mode(profile) == "ferretdb" and not _ferretdb_works():
        require_tool("go", f"needed once to build FerretDB {FERRETDB_VERSION} (no mongod on PATH)")
        require_tool("patch", "needed once to apply deploy/local/ferretdb's patches to FerretDB")
    return java


def ensure_kafka_jars(echo: Echo) -> None:
    """Fetch the Kafka runtime jars with Maven unless already cached."""
    if _kafka_jars_present():
        return
    mvn = require_tool("mvn", _WHY_MVN)
    echo(f"fetching Kafka {KAFKA_VERSION} jars into {KAFKA_LIBS.relative_to(REPO_ROOT)} ...")
    started = time.monotonic()
    cmd = [mvn, "-B", "-q", "-f", str(KAFKA_POM), "dependency:copy-dependencies"]
    run(cmd, "fetching the Kafka jars", timeout=900, cwd=REPO_ROOT)
    if not _kafka_jars_present():
        raise InfraError(f"Maven finished but {KAFKA_CORE_JAR} is missing")
    echo(f"fetched Kafka jars in {time.monotonic() - started:.1f}s")


def ensure_ferretdb(echo: Echo) -> None:
    """Build FerretDB into .cache/bin unless a working binary of the right version, built
    with the patches in deploy/local/ferretdb, is there.

    A plain ``go install .../cmd/ferretdb@v1.24.2`` builds a binary that panics at start-up
    (build/version/version.txt is not part of the Go module), so this builds the same module
    from a writable copy with version.txt filled in.
    """
    if _ferretdb_works():
        return
    go = require_tool("go", f"needed once to build FerretDB {FERRETDB_VERSION} (no mongod)")
    echo(f"building FerretDB {FERRETDB_VERSION} into {FERRETDB_BIN.relative_to(REPO_ROOT)} ...")
    started = time.monotonic()
    env = {**os.environ, "GOWORK": "off", "GOFLAGS": "-buildvcs=false"}
    source = _ferretdb_source(go, env)
    FERRETDB_BIN.parent.mkdir(parents=True, exist_ok=True)
    target = FERRETDB_BIN.with_name("ferretdb.tmp")
    cmd = [go, "build", "-o", str(target), "./cmd/ferretdb"]
    run(cmd, "building FerretDB", 1800, cwd=source, env=env)
    target.replace(FERRETDB_BIN)
    FERRETDB_STAMP.write_text(ferretdb_build_id() + "\n")
    if not _ferretdb_works():
        raise InfraError(f"built {FERRETDB_BIN} but `ferretdb --version` does not report it")
    echo(f"built FerretDB in {time.monotonic() - started:.1f}s")


def _ferretdb_source(go: str, env: Mapping[str, str]) -> Path:
    """Download the FerretDB module and copy it to .cache with its version.txt written and
    the patches applied."""
    module = f"{FERRETDB_MODULE}@v{FERRETDB_VERSION}"
    out = run([go, "mod", "download", "-json", module], "downloading FerretDB", 900, env=env)
    module_dir = json.loads(out).get("Dir")
    if not module_dir:
        raise InfraError(f"`go mod download -json {module}` reported no source directory")
    tmp = FERRETDB_SRC.with_name(FERRETDB_SRC.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(module_dir, tmp)
    for path in (tmp, *tmp.rglob("*")):  # the module cache is read-only
        path.chmod(path.stat().st_mode | 0o200)
    (tmp / "build" / "version" / "version.txt").write_text(f"v{FERRETDB_VERSION}\n")
    patch = require_tool("patch", "needed once to apply deploy/local/ferretdb's patches")
    for diff in _ferretdb_patches():
        cmd = [patch, "-p1", "--forward", "--batch", "--input", str(diff)]
        run(cmd, f"applying {diff.name} to FerretDB", 60, cwd=tmp)
    shutil.rmtree(FERRETDB_SRC, ignore_errors=True)
    tmp.rename(FERRETDB_SRC)
    return FERRETDB_SRC
