"""OpenAPI schema: every operation documents the one error shape and the statuses it can answer."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A short machine-readable code: invalid, not_authenticated, permission_denied, not_found, conflict, throttled, ...")
    message = serializers.CharField(help_text="A sentence for a person.")
    fields = serializers.DictField(
        child=serializers.JSONField(),
        help_text="For a 400 or 409: the fields at fault and what is wrong with each.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


_ERRORS = {
    "400": "Bad input: a field, filter or parameter is not valid (see `fields`).",
    "401": "Not signed in: send `Authorization: Token <token>` or a session cookie.",
    "403": "Signed in, but this role may not do this (or may not set one of the fields).",
    "404": "No such row, or a row of a team you cannot see.",
    "405": "This method is not allowed here.",
    "409": "Conflict: a duplicate of an existing row, or a row others still refer to.",
    "415": "Unsupported media type: send JSON.",
    "429": "Too many requests or sign-in attempts; try again later.",
}


class RegisterAutoSchema(AutoSchema):
    """Adds the error responses to every operation of the API, so that clients (and the schema
    tests) know the shape of a refusal as well as of a success."""

    # Codes an operation may answer besides its success, by whether it is public.
    public_codes = ("400", "405", "415", "429")
    private_codes = ("400", "401", "403", "404", "405", "409", "415", "429")

    def _is_list_view(self, serializer=None) -> bool:
        # The CSV export is a list in all but format: document its filters and ordering.
        if getattr(self.view, "csv_list", False):
            return True
        return super()._is_list_view(serializer)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if type(self.view).__module__ == "drf_spectacular.plumbing":
            # The view drf-spectacular mocks for an outbound webhook (riskregister/api/webhooks.py): the
            # receiver answers it, not this API, so our error shape does not apply.
            return responses
        public = getattr(self.view, "public_endpoint", False)
        for code in self.public_codes if public else self.private_codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(response=ErrorSerializer, description=_ERRORS[code]), code, direction=direction
                )
        return responses
