"""Input no view can handle, refused before any view runs or anything is written: a JSON
body nested too deep (400), strings that are not Unicode text and numbers no store can
hold (422, per field), a query string or header that is not UTF-8 text (400)."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import current_app, request
from flask_smorest import abort

MAX_NUMBER_CHARS = 40  # any double's shortest form and any 64-bit integer, with room
INT64 = 2**63  # BSON's widest integer: a larger one cannot be stored
INVALID_JSON = "Invalid JSON body."
NOT_TEXT = "Not valid Unicode text: it holds a lone UTF-16 surrogate."
NOT_A_NAME = "This field's name is not valid Unicode text: it holds a lone UTF-16 surrogate."
OUT_OF_RANGE = (
    f"Not a storable number: numbers must be finite and at most {MAX_NUMBER_CHARS} "
    "characters long, integers within 64 bits."
)
NOT_UTF8 = "Not UTF-8 text."
TOO_DEEP = "Arrays and objects nest deeper than {} levels."


class _Refused:
    """What the parser holds in place of a number it refuses, to report it with its field."""


_REFUSED = _Refused()


class _TooDeep(Exception):
    pass


def check_request() -> None:
    """before_request: refuse a hostile query string, header or JSON body."""
    try:
        unquote_to_bytes(request.query_string).decode("utf-8")
    except UnicodeDecodeError:
        abort(400, messages={"query": [NOT_UTF8]})
    for name, value in request.headers.items():
        if not _is_text(value):
            abort(400, messages={"headers": {_readable(name): [NOT_TEXT]}})
    raw = request.get_data(cache=True) if request.is_json else b""
    if raw:
        _check_body(raw, current_app.config["MAX_JSON_DEPTH"])


def _check_body(raw: bytes, depth: int) -> None:
    too_deep = TOO_DEEP.format(depth)
    try:
        faults = _faults(_parse(raw), 0, depth)
    except (UnicodeDecodeError, json.JSONDecodeError):
        abort(400, messages={"json": [INVALID_JSON]})
    except (RecursionError, _TooDeep):  # json.loads recurses once per level
        abort(400, messages={"json": [too_deep]})
    if faults:
        abort(422, messages={"json": faults})


def _parse(raw: bytes) -> Any:
    return json.loads(
        raw.decode("utf-8"),
        parse_int=_integer,
        parse_float=_float,
        parse_constant=lambda _: _REFUSED,  # NaN, Infinity: not JSON, and not storable
    )


def _integer(literal: str) -> int | _Refused:
    if len(literal) > MAX_NUMBER_CHARS:  # before int(), which refuses 4,300 digits
        return _REFUSED
    value = int(literal)
    return value if -INT64 <= value < INT64 else _REFUSED


def _float(literal: str) -> float | _Refused:
    if len(literal) > MAX_NUMBER_CHARS:
        return _REFUSED
    value = float(literal)  # 1e400 is inf: FerretDB refuses it and JSON cannot write it
    return value if math.isfinite(value) else _REFUSED


def _faults(value: Any, depth: int, limit: int) -> Any:
    """Messages per field (shaped as marshmallow's), or None when nothing is wrong."""
    if isinstance(value, dict | list):
        if depth >= limit:
            raise _TooDeep
        found: dict[str | int, Any] = {}
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in pairs:
            fault = _faults(item, depth + 1, limit)
            if isinstance(key, str) and not _is_text(key):
                fault = [NOT_A_NAME]
            if fault:
                found[_readable(key) if isinstance(key, str) else key] = fault
        return found or None
    if value is _REFUSED:
        return [OUT_OF_RANGE]
    if isinstance(value, str) and not _is_text(value):
        return [NOT_TEXT]
    return None


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _readable(name: str) -> str:
    return name.encode("utf-8", "backslashreplace").decode("utf-8")
