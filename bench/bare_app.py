"""The command benchmark's baseline: a bare Flask app whose one route inserts the JSON body
with pymongo and answers 201, served by the same gunicorn settings as the services.

gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:<port> bench.bare_app:app
(MONGO_URI and BENCH_BARE_DB say where it writes.)
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from flask import Flask, request

from shared.resources import mongo_client

app = Flask("bare")
_collection: Any = None


@app.post("/items")
def insert() -> tuple[dict[str, str], int]:
    """Insert the body as one document."""
    global _collection
    if _collection is None:  # after gunicorn forks, like the services
        client = mongo_client(os.environ["MONGO_URI"])
        _collection = client[os.environ.get("BENCH_BARE_DB", "bench_bare")]["items"]
    document = {"_id": uuid.uuid4().hex, **(request.get_json() or {})}
    _collection.insert_one(document)
    return {"id": document["_id"]}, 201
