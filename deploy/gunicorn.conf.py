"""gunicorn settings shared by the three APIs (local runs and containers).

Each API: gunicorn -c deploy/gunicorn.conf.py 'services.<name>.app:create_app()'
Connections open lazily in each worker after the fork (see shared/resources.py).

Metrics (prometheus_client's multiprocess mode): every worker process writes its metrics to
files in PROMETHEUS_MULTIPROC_DIR and GET /metrics, answered by any one worker, sums them. The
directory is this master's own (a fresh temporary one unless the environment names one), set
here before a worker imports prometheus_client (it picks its storage at import), emptied
before the first fork, and a dead worker's live files are let go; the counts of a worker that
died stay in the sums, as Prometheus expects of a counter.
"""

import os
import shutil
import tempfile

bind = os.environ.get("ML_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("ML_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = None  # the app logs each request as JSON with its correlation id
errorlog = "-"
loglevel = os.environ.get("ML_GUNICORN_LOG_LEVEL", "warning")
proc_name = os.environ.get("ML_PROC_NAME", "mastery-api")

_metrics_dir_made = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _metrics_dir_made:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="mastery-api-metrics-")


def on_starting(server):
    """Before the first fork: no files of an earlier run of this master's directory."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    """A worker died or was recycled: its live gauges go (imported here, after the fork)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """The master stops: a directory it made goes with it."""
    if _metrics_dir_made:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
