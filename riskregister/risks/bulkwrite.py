"""Lean bulk inserts for rows an import writes by the tens of thousands (the proposed risks, six or
seven per dependency), with the same history rows simple-history's `bulk_create_with_history`
writes, so that the audit trail is the same whichever way a risk was created.

Why not `bulk_create_with_history` here: Django's bulk_create prepares every value of every row
through its field, and simple-history builds a model instance per history row. For a risk and its
history row that is about 0.4 ms of CPU, 13 of the 15 s a 5,000-row import took (bench/imports.py).
Here each distinct value of a column goes through the same field method (`get_db_prep_save`) once,
and the rows go in with one `executemany` per table. No signals are sent, as with bulk_create.
tests/imports/test_jobs.py checks that the history rows match the helper's.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import connection, models

CHUNK = 500


def _prepared(field: models.Field, cache: dict, value):
    try:
        return cache[value]
    except KeyError:
        prepared = cache[value] = field.get_db_prep_save(value, connection)
        return prepared
    except TypeError:  # an unhashable value (a JSON list): prepare it each time
        return field.get_db_prep_save(value, connection)


def _insert(table: str, fields: list[models.Field], rows: list[list]) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {quote(table)} ({columns}) VALUES ({placeholders})", rows)


def _rows(objs: Sequence[models.Model], fields: list[models.Field], values) -> list[list]:
    caches = [{} for _ in fields]
    return [
        [_prepared(field, cache, value) for field, cache, value in zip(fields, caches, values(obj))]
        for obj in objs
    ]


def insert_with_history(
    model: type[models.Model], objs: Sequence[models.Model], *, key: tuple[str, str], user=None, now: datetime.datetime
) -> None:
    """Insert `objs` (new rows of `model`, a model with HistoricalRecords) and one "+" history row
    each, dated `now` and by `user`. `key` names two attnames of a unique constraint (the first a
    foreign key) by which the new primary keys are read back and set on `objs`. Call it inside a
    transaction."""
    if not objs:
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    for obj in objs:
        for field in fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                setattr(obj, field.attname, now)
    _insert(model._meta.db_table, fields, _rows(objs, fields, lambda obj: [getattr(obj, f.attname) for f in fields]))

    first, second = key
    wanted = sorted({getattr(obj, first) for obj in objs})
    pks = {}
    for start in range(0, len(wanted), CHUNK):
        found = model._default_manager.filter(**{f"{first}__in": wanted[start:start + CHUNK]}).values_list("pk", first, second)
        pks.update({(a, b): pk for pk, a, b in found})
    for obj in objs:
        obj.pk = pks[(getattr(obj, first), getattr(obj, second))]
        obj._state.adding = False

    history = model.history.model
    special = {"history_date": now, "history_type": "+", "history_change_reason": None,
               "history_user_id": getattr(user, "pk", None)}
    history_fields = [field for field in history._meta.concrete_fields if field.attname != "history_id"]
    _insert(
        history._meta.db_table,
        history_fields,
        _rows(objs, history_fields, lambda obj: [
            special[f.attname] if f.attname in special else getattr(obj, f.attname) for f in history_fields
        ]),
    )
