"""Protections for tests that use repositories directly: a service's subject keys in memory."""

from __future__ import annotations

from types import SimpleNamespace

from shared.crypto.secret_box import SecretBox
from shared.privacy.key_store import MemoryKeyTable, SubjectKeys
from shared.privacy.protection import Protection

WRAPPING = SecretBox(b"t" * 32)


def memory_keys(owner: str = "assessment") -> SubjectKeys:
    """A service's subject keys, held in memory."""
    return SubjectKeys(owner, MemoryKeyTable(), WRAPPING)


def protection(owner: str = "assessment", executive: str = "exec-1") -> Protection:
    """A protection with keys in memory, every engagement's executive being `executive`."""
    return Protection(memory_keys(owner), lambda tenant, engagement_id: executive)


# An engagement directory for tests that need no more of it than whose data a field is
ONE_EXECUTIVE = SimpleNamespace(find=lambda tenant, engagement_id: {"executive": {"id": "x1"}})
