"""One error shape for the whole API: `{"error": {"code", "message", "fields"}}`.

DRF's own handler decides the status (400, 401, 403, 404, 405, 415, 429); this module reshapes its
body and maps the errors the services raise onto HTTP: Django's ValidationError is a 400, Django's
PermissionDenied a 403, a unique or protected-row conflict a 409. A client can send nothing that
ends in a 500.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This conflicts with a row that already exists."
    default_code = "conflict"


_MESSAGES = {
    400: "The request is not valid.",
    401: "Authentication credentials were not provided or are not valid.",
    403: "You do not have permission to do this.",
    404: "Not found.",
    409: "This conflicts with a row that already exists.",
}


def _is_unique_violation(detail) -> bool:
    """A validation error made only of uniqueness failures is a conflict, not bad input."""
    codes = []

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            codes.append(getattr(value, "code", None))

    walk(detail)
    return bool(codes) and all(code == "unique" for code in codes)


def _flatten_fields(detail) -> dict:
    if isinstance(detail, dict):
        return {name: _plain(value) for name, value in detail.items()}
    return {}


def _plain(value):
    if isinstance(value, dict):
        return {name: _plain(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return str(value)


def _first_message(detail) -> str | None:
    if isinstance(detail, dict):
        for value in detail.values():
            message = _first_message(value)
            if message:
                return message
        return None
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else None
    return str(detail)


def _translate(exc):
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(detail=str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, IntegrityError):
        # The database's unique constraints are the last word on duplicates (two requests racing
        # past the serializer's check); the services' own atomic blocks have rolled back.
        logger.info("API conflict: %s", exc.__class__.__name__)
        return Conflict()
    if isinstance(exc, (ProtectedError, RestrictedError)):
        return Conflict("Other rows still refer to this one; remove them first.")
    if isinstance(exc, exceptions.ValidationError) and _is_unique_violation(exc.detail):
        conflict = Conflict(_first_message(exc.detail))
        conflict.fields = _flatten_fields(exc.detail)
        return conflict
    return exc


def error_code(exc) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    if isinstance(codes, str):
        return codes
    return getattr(exc, "default_code", "error")


def api_exception_handler(exc, context):
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = getattr(exc, "detail", None)
    fields = getattr(exc, "fields", None)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten_fields(detail)
        if isinstance(detail, list):
            message = _first_message(detail) or _MESSAGES[400]
        else:
            non_field = fields.get("non_field_errors")
            message = non_field[0] if non_field else _MESSAGES[400]
    else:
        message = _first_message(detail) or _MESSAGES.get(response.status_code, "Error.")
    response.data = {"error": {"code": error_code(exc), "message": message, "fields": fields or {}}}
    return response
