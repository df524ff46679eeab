"""Lean bulk inserts for rows an import writes by the tens of thousands (the proposed risks, six or
seven per dependency), with the same history rows simple-history's `bulk_create_with_history`
writes, so that the audit trail is the same whichever way a risk was created.

Why not `bulk_create_with_history` here: Django's bulk_create prepares every value of every row
through its field, and simple-history builds a model instance per history row. For a risk and its
history row that is about 0.4 ms of CPU, 13 of the 15 s a 5,000-row import took (bench/imports.py).
Here rows are plain dictionaries, a value goes through its field's `get_db_prep_save` only where
Django would change it (once per distinct value: dates, uuids), and the rows go in with one
`executemany` per table. No signals are sent, as with bulk_create.
tests/imports/test_jobs.py checks that the history rows match the helper's.
"""

from __future__ import annotations

import datetime
from django.db import connection, models

CHUNK = 500
# Fields whose Python values (int, str, bool, None) every backend takes as they are; values of
# other types, and every other field, go through the field's own get_db_prep_save.
PASSTHROUGH_FIELDS = (models.IntegerField, models.CharField, models.TextField, models.BooleanField)
PASSTHROUGH_TYPES = (int, str, bool, type(None))


def _converter(field: models.Field):
    """A function preparing one column's values: identity where that is all Django would do,
    else the field's own preparation, once per distinct value."""
    target = field.target_field if field.is_relation else field
    if isinstance(target, PASSTHROUGH_FIELDS) and not isinstance(target, models.JSONField):
        def convert(value, prepare=field.get_db_prep_save):
            return value if type(value) in PASSTHROUGH_TYPES else prepare(value, connection)
        return convert
    cache: dict = {}

    def convert(value):
        try:
            return cache[value]
        except KeyError:
            prepared = cache[value] = field.get_db_prep_save(value, connection)
            return prepared
        except TypeError:  # an unhashable value (a JSON list): prepared each time
            return field.get_db_prep_save(value, connection)

    return convert


def _insert(table: str, fields: list[models.Field], rows: list[dict]) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    converters = [(field.attname, _converter(field)) for field in fields]
    values = [[convert(row[attname]) for attname, convert in converters] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {quote(table)} ({columns}) VALUES ({placeholders})", values)


def insert_with_history(
    model: type[models.Model], rows: list[dict], *, key: tuple[str, str], user=None, now: datetime.datetime
) -> list[int]:
    """Insert `rows` (attname -> value; a missing field takes its default) as new rows of `model`,
    a model with HistoricalRecords, and one "+" history row each, dated `now` and by `user`, as
    bulk_create_with_history would. `key` names two attnames of a unique constraint (the first a
    foreign key) by which the new primary keys are read back; they are returned in the order of
    `rows`. Call it inside a transaction."""
    if not rows:
        return []
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    fill = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            fill[field.attname] = lambda: now
        elif field.has_default() and callable(field.default):
            fill[field.attname] = field.default  # a fresh value per row (uuid4)
        else:
            constant = field.get_default()
            fill[field.attname] = lambda constant=constant: constant
    rows = [{**{attname: make() for attname, make in fill.items() if attname not in row}, **row} for row in rows]
    _insert(model._meta.db_table, fields, rows)

    first, second = key
    wanted = sorted({row[first] for row in rows})
    pks = {}
    for start in range(0, len(wanted), CHUNK):
        found = model._default_manager.filter(**{f"{first}__in": wanted[start:start + CHUNK]}).values_list("pk", first, second)
        pks.update({(a, b): pk for pk, a, b in found})
    primary = model._meta.pk.attname
    for row in rows:
        row[primary] = pks[(row[first], row[second])]

    history = model.history.model
    special = {"history_date": now, "history_type": "+", "history_change_reason": None,
               "history_user_id": getattr(user, "pk", None)}
    history_fields = [field for field in history._meta.concrete_fields if field.attname != "history_id"]
    for row in rows:
        row.update(special)
    _insert(history._meta.db_table, history_fields, rows)
    return [row[primary] for row in rows]
