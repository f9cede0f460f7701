"""Workers stop cleanly on SIGTERM: loops finish, offsets are committed, exit code 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from deploy.local import infra

WORKERS = ["services.assessment.worker", "services.kpi.worker", "services.reporting.worker"]


@pytest.mark.parametrize("module", WORKERS)
def test_worker_exits_cleanly_on_sigterm(config, module, tmp_path):
    env = os.environ | {
        "MONGO_URI": config.mongo_uri,
        "KAFKA_BOOTSTRAP_SERVERS": config.kafka_bootstrap_servers,
        "ML_TOPIC_PREFIX": config.topic_prefix,
        "ML_DB_PREFIX": config.db_prefix,
    }
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", module], cwd=infra.REPO_ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while b"worker started" not in log.read_bytes() and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()
            time.sleep(0.1)
        time.sleep(0.5)  # let the loops reach their poll
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert b"worker stopped" in log.read_bytes()
