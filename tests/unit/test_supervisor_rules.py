"""The local supervisor's rules (deploy/local/supervisor.py): how long it waits before each
restart in a row, and how it says how a process ended."""

from __future__ import annotations

import signal

from deploy.local.supervisor import MAX_DELAY, describe_exit, restart_delay


def test_restarts_in_a_row_back_off_from_half_a_second_doubling_to_thirty():
    assert [restart_delay(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert restart_delay(50) == MAX_DELAY


def test_an_exit_is_told_by_its_code_or_signal():
    assert describe_exit(-signal.SIGKILL) == "killed by signal SIGKILL"
    assert describe_exit(-signal.SIGSEGV) == "killed by signal SIGSEGV"
    assert describe_exit(1) == "exited with code 1"
    assert describe_exit(0) == "exited with code 0"
    assert describe_exit(None).startswith("exited (adopted")
