"""A PostgreSQL server of the bench's own, from Debian's packages (bench.peer's peer runs on it).

`ensure_installed()` finds the newest server that Debian's packages installed and, when
there is none, installs Debian's `postgresql` with apt-get (as root only; otherwise it says
what to install). `server(folder, port)` runs initdb in `folder`, starts the server on
127.0.0.1 at `port` with its unix socket in its data folder, and stops it on the way out,
on failure and Ctrl-C too. A cluster that Debian's package may have made on port 5432 is never
used. PostgreSQL refuses to run as root, so as root the server runs as the package's
`postgres` user, which then owns the folder.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "postgresql"
SERVER_PACKAGES = "postgresql-[0-9]*"  # Debian's server packages, one per major version
SERVICE_USER = "postgres"  # made by Debian's package
SUPERUSER = "bench"
HOST = "127.0.0.1"
Echo = Callable[[str], None]


class PostgresMissing(RuntimeError):
    """No PostgreSQL server is installed and this process may not install one."""


@dataclass(frozen=True)
class Server:
    """How to reach a running server."""

    port: int
    password: str
    host: str = HOST
    user: str = SUPERUSER
    dbname: str = "postgres"


def installed_bin() -> Path | None:
    """The bin folder of the newest installed PostgreSQL server, or None: `initdb` on the
    PATH, else the newest of Debian's server packages asked where it put its `initdb`."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent  # the server's own folder, not a link's
    if shutil.which("dpkg-query") is None:
        return None
    listed = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Status}\n", SERVER_PACKAGES],
                            capture_output=True, text=True, check=False).stdout  # fmt: skip
    names = [line.split()[0] for line in listed.splitlines() if line.endswith(" installed")]
    packages = [n for n in names if n.removeprefix("postgresql-").replace(".", "").isdigit()]
    for package in sorted(packages, key=lambda p: _version(p.removeprefix("postgresql-")),
                          reverse=True):  # fmt: skip
        files = subprocess.run(["dpkg-query", "-L", package], capture_output=True, text=True,
                               check=False).stdout.splitlines()  # fmt: skip
        initdb = next((Path(f) for f in files if f.endswith("/bin/initdb")), None)
        if initdb is not None and initdb.exists():
            return initdb.parent
    return None


def ensure_installed(echo: Echo = print) -> Path:
    """The server's bin folder, installing Debian's package first when root and it is absent."""
    found = installed_bin()
    if found is not None:
        return found
    if os.geteuid() != 0:
        raise PostgresMissing(
            f"no PostgreSQL server (no initdb on the PATH nor in Debian's {SERVER_PACKAGES} "
            f"packages): install Debian's package as root "
            f"(apt-get install {PACKAGE}), or run the bench as root to have it installed"
        )
    echo(f"installing PostgreSQL from Debian's packages (apt-get install {PACKAGE}) ...")
    quiet = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=quiet)
    subprocess.run(["apt-get", "install", "-y", "-qq", PACKAGE], check=True, env=quiet)
    found = installed_bin()
    if found is None:
        raise PostgresMissing(f"apt-get installed {PACKAGE} but its initdb was not found")
    return found


@contextmanager
def server(folder: Path, port: int, echo: Echo = print) -> Iterator[Server]:
    """A fresh cluster in `folder` (anything there before is removed), served while inside."""
    bin_dir = ensure_installed(echo)
    data = folder / "data"
    _stop(bin_dir, data)  # a leftover of an interrupted run
    _require_free(port)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    running = Server(port, secrets.token_hex(16))
    _initdb(bin_dir, folder, running)
    log = folder / "server.log"
    try:
        started = _as_owner(bin_dir / "pg_ctl", "-D", str(data), "-l", str(log), "-w", "start",
                            check=False)  # fmt: skip
        if started != 0:
            raise RuntimeError(f"PostgreSQL did not start; its log ends:\n{_tail(log)}")
        echo(f"PostgreSQL {bin_dir.parent.name} on {HOST}:{port} (data {data})")
        yield running
    finally:
        _stop(bin_dir, data)
        echo(f"stopped PostgreSQL on {HOST}:{port}")


def _initdb(bin_dir: Path, folder: Path, running: Server) -> None:
    """initdb as the owner, password auth for the bench's superuser, then the bench's settings."""
    password_file = folder / "password"
    password_file.write_text(running.password)
    password_file.chmod(0o600)
    if os.geteuid() == 0:
        for path in (folder, password_file):
            shutil.chown(path, SERVICE_USER, SERVICE_USER)
    data = folder / "data"
    _as_owner(bin_dir / "initdb", "-D", str(data), "-U", SUPERUSER, f"--pwfile={password_file}",
              "--auth=scram-sha-256", "-E", "UTF8", "--no-instructions")  # fmt: skip
    password_file.unlink()
    settings = {"listen_addresses": f"'{HOST}'", "port": str(running.port),
                "unix_socket_directories": f"'{data}'"}  # fmt: skip
    with (data / "postgresql.conf").open("a") as conf:
        conf.write("".join(f"{key} = {value}\n" for key, value in settings.items()))


def _stop(bin_dir: Path, data: Path) -> None:
    """Stop the server of `data` if one runs (fast shutdown: sessions are ended). A Ctrl-C may
    have stopped it already, and a killed one leaves its pid file behind: ask first."""
    pg_ctl = bin_dir / "pg_ctl"
    if data.is_dir() and _as_owner(pg_ctl, "-D", str(data), "status", check=False) == 0:
        _as_owner(pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop")


def _as_owner(*command: str | Path, check: bool = True) -> int:
    """Run a PostgreSQL program as a user that may own a cluster (never root); its exit code."""
    prefix = ["runuser", "-u", SERVICE_USER, "--"] if os.geteuid() == 0 else []
    done = subprocess.run([*prefix, *map(str, command)], check=check,
                          stdout=subprocess.DEVNULL)  # fmt: skip
    return done.returncode


def _tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def _require_free(port: int) -> None:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            raise RuntimeError(f"port {port} is taken: set ML_POSTGRES_PORT to another") from exc


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())
