"""A doorbell for the outbox relay: a writer rings after storing a commit, the relay wakes.

Without it the relay finds new commits only at its next poll (ML_RELAY_POLL_SECONDS, half
of it on average); polling faster would keep the database busy while nothing happens.
A ring is one UDP datagram to ML_RELAY_DOORBELL (host:port) and carries nothing: a lost,
late or forged ring costs at most one outbox read, and the relay still polls, so nothing
depends on it arriving.
"""

from __future__ import annotations

import logging
import select
import socket
import threading

log = logging.getLogger(__name__)

RING = b"\x01"


def parse_address(address: str) -> tuple[str, int] | None:
    """'host:port' as a socket address; None when empty (no doorbell configured)."""
    if not address:
        return None
    host, separator, port = address.rpartition(":")
    if not separator or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"ML_RELAY_DOORBELL must be host:port, not {address!r}")
    return host, int(port)


class Doorbell:
    """The writers' side: ring and forget (never blocks, never raises)."""

    def __init__(self, address: tuple[str, int] | None) -> None:
        self._address = address
        self._resolved: tuple[str, int] | None = None  # a host name is looked up once
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()

    def ring(self) -> None:
        """Tell the relay a commit is waiting."""
        if self._address is None:
            return
        try:
            target = self._resolved or self._resolve(self._address)
            with self._lock:
                if self._socket is None:
                    self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    self._socket.setblocking(False)
                self._socket.sendto(RING, target)
        except OSError as exc:  # the relay polls anyway
            log.debug("doorbell ring failed: %s", exc)

    def _resolve(self, address: tuple[str, int]) -> tuple[str, int]:
        """The IPv4 address to ring (a failed lookup is tried again at the next ring)."""
        found = socket.getaddrinfo(address[0], address[1], socket.AF_INET, socket.SOCK_DGRAM)
        host, port = found[0][4][:2]
        self._resolved = (str(host), int(port))
        return self._resolved

    def close(self) -> None:
        """Release the socket."""
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None


class DoorbellListener:
    """The relay's side: wait for a ring or a timeout, whichever comes first."""

    def __init__(self, address: tuple[str, int]) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self._socket.bind(address)
        except OSError:
            self._socket.close()
            raise
        self._socket.setblocking(False)

    @property
    def address(self) -> tuple[str, int]:
        """Where it listens (the port the OS chose when bound to port 0)."""
        host, port = self._socket.getsockname()[:2]
        return str(host), int(port)

    def wait(self, timeout: float) -> bool:
        """True when rung within `timeout` seconds; every ring waiting is consumed."""
        readable, _, _ = select.select([self._socket], [], [], timeout)
        if not readable:
            return False
        try:
            while self._socket.recv(16):
                pass
        except BlockingIOError:
            pass
        return True

    def close(self) -> None:
        """Stop listening."""
        self._socket.close()
