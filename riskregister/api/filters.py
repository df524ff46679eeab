"""The base of every filterset of the API: integers stay within what the database can compare.

`?offering=99999999999999999999` reached the database as a Python int that neither SQLite nor
PostgreSQL can bind (an OverflowError, a 500). Every number and id filter of every filterset,
declared or generated from `filterset_fields`, is bounded to 64 bits here, once, and a value beyond
is a 400 naming the filter. Views get it through `RegisterFilterBackend`, the default backend; an
explicit filterset subclasses `RegisterFilterSet`.

Date-time filters are read in UTC the same way: ISO 8601 allows an offset such as `-21:07` that
Python accepts and PostgreSQL refuses ("time zone displacement out of range", a 500), and an instant
next to year 1 or 9999 can leave the calendar once moved to UTC. Every date-time filter converts its
value to UTC before it reaches the database, and a value that cannot be one is a 400 naming the filter.
"""

import datetime as dt

import django_filters
from django import forms
from django_filters import fields as filter_fields
from django_filters import filters as filter_types
from django_filters.rest_framework import DjangoFilterBackend

BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1


def _beyond_64_bits(value) -> bool:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return False  # not an integer at all: the field's own check refuses it
    return not BIGINT_MIN <= number <= BIGINT_MAX


class BoundedModelChoiceField(filter_fields.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and self.to_field_name is None and _beyond_64_bits(value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class BoundedModelMultipleChoiceField(filter_fields.ModelMultipleChoiceField):
    def _check_values(self, value):
        if self.to_field_name is None:
            for item in value:
                if _beyond_64_bits(item):
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                    )
        return super()._check_values(value)


def _in_utc(value):
    if value is None or value.tzinfo is None:
        return value
    try:
        return value.astimezone(dt.timezone.utc)
    except OverflowError:
        raise forms.ValidationError("Enter a date and time that exists in UTC.", code="invalid") from None


class UTCDateTimeField(forms.DateTimeField):
    def to_python(self, value):
        return _in_utc(super().to_python(value))


class UTCIsoDateTimeField(filter_fields.IsoDateTimeField):
    def to_python(self, value):
        return _in_utc(super().to_python(value))


class RegisterFilterSet(django_filters.FilterSet):
    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        for declared in filters.values():
            if isinstance(declared, filter_types.NumberFilter):
                declared.extra.setdefault("min_value", BIGINT_MIN)
                declared.extra.setdefault("max_value", BIGINT_MAX)
            elif isinstance(declared, filter_types.ModelMultipleChoiceFilter):
                declared.field_class = BoundedModelMultipleChoiceField
            elif isinstance(declared, filter_types.ModelChoiceFilter):
                declared.field_class = BoundedModelChoiceField
            elif isinstance(declared, filter_types.IsoDateTimeFilter):
                declared.field_class = UTCIsoDateTimeField
            elif isinstance(declared, filter_types.DateTimeFilter):
                declared.field_class = UTCDateTimeField
        return filters


class RegisterFilterBackend(DjangoFilterBackend):
    """The default filter backend: filtersets generated from `filterset_fields` are RegisterFilterSets."""

    filterset_base = RegisterFilterSet
