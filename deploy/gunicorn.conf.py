"""gunicorn settings shared by the three APIs (local runs and containers).

Each API: gunicorn -c deploy/gunicorn.conf.py 'services.<name>.app:create_app()'
Connections open lazily in each worker after the fork (see shared/resources.py).
"""

import os

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
