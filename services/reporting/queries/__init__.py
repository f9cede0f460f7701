"""The reporting service's read side: plain functions over the read models.

Each query takes the active read models (`ReadModels`), the caller (`Principal`) and the ids
or arguments of the question, checks what the caller may see (access.py: the README's access
matrix, the manager-visibility rule included) and answers plain data: dicts and lists, no
Mongo cursor, no Flask. The JSON routes, the HTML pages, the exports and the benchmarks all
call them. Every find names the caller's tenant, or reads by `_id` and keeps the document only
when it is the tenant's (`access.tenant_document`).
"""

from __future__ import annotations

from collections.abc import Callable

from services.reporting.projections.read_models import ReadModels

# What the composition root hands the views: the generation of read models to answer from
# (looked up per call, so a rebuild's switch is followed at once).
ReadModelsSource = Callable[[], ReadModels]
