"""The outbound webhook, documented in the OpenAPI schema (`webhooks` of OpenAPI 3.1): what the
register POSTs to a webhook subscription's target, schema version 1
(riskregister/alerts/channels/payloads.py builds it; these serializers only describe it)."""

from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers

from riskregister.alerts.channels.payloads import WEBHOOK_SCHEMA
from vendors.models import StatusChange


class WebhookTeamSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class WebhookChangeSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="What happened, as the alert's subject says it (without the severity).")
    severity = serializers.ChoiceField(choices=StatusChange.Severity.choices)
    kind = serializers.CharField(help_text="The change's kind (status, incident, lifecycle, ...); `retirement` for a "
                                 "countdown, `digest` for a digest.")
    link = serializers.URLField(allow_null=True, help_text="The vendor's page about it, if any.")
    observed_at = serializers.DateTimeField(help_text="When the alert was written (ISO 8601).")


class WebhookAffectedSerializer(serializers.Serializer):
    service = serializers.CharField(help_text="The team's system, with its environment in parentheses.")
    offering = serializers.CharField(help_text="The route it uses: model via distributor.")
    fallback = serializers.CharField(allow_null=True, help_text="Its fallback route, or null when it has none.")
    fallback_holds = serializers.BooleanField(
        allow_null=True,
        help_text="true: the fallback covers the service through this change; false: it is hit too, untested or "
        "retired; null: no fallback.",
    )
    successor = serializers.CharField(
        required=False, allow_null=True,
        help_text="A deprecation or retirement: what to move to (the route's own successor, else the model's), or null.",
    )
    replacements = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text="A deprecation or retirement: usable routes of the successors (the same distributor first), then the "
        "fallbacks on file, as \"<model> via <distributor>\".",
    )


class WebhookPayloadSerializer(serializers.Serializer):
    schema = serializers.ChoiceField(choices=[WEBHOOK_SCHEMA], help_text=(
        "The payload's schema and version. Within a version no field is removed or changes meaning; new optional "
        "fields may appear."))
    type = serializers.ChoiceField(choices=["status_change", "retirement_countdown", "digest"])
    id = serializers.UUIDField(help_text="The alert's id; also the `webhook-id` header, the same on every retry: "
                               "drop a payload whose id you have seen.")
    team = WebhookTeamSerializer()
    change = WebhookChangeSerializer()
    affected = WebhookAffectedSerializer(many=True, help_text="The team's services the change reaches.")
    url = serializers.URLField(help_text="The team's page in the register.")


# Webhook entries of OpenAPI carry no header parameters in drf-spectacular: described in the text.
_HEADERS = [
    ("webhook-id", "the alert's id (as `id` in the body)"),
    ("webhook-timestamp", "Unix seconds of this attempt; refuse one too far from now"),
    ("webhook-signature", "`v1,<base64 HMAC-SHA256 of id.timestamp.body>` under the subscription's secret (whsec_...); "
     "verify with the standardwebhooks library: `Webhook(secret).verify(body, headers)`"),
]

alert_webhook = OpenApiWebhook(
    name="alert",
    decorator=extend_schema(
        summary="An alert, POSTed to a webhook subscription's target",
        description=(
            "Sent once per alert to each webhook subscription of the team, signed by the Standard Webhooks "
            "scheme. Answer 2xx to accept it. A 5xx, a 429 (its Retry-After is honoured) or no answer within the "
            "timeout is retried with capped, jittered backoff; any other 4xx marks the delivery failed, not retried."
            "\n\nHeaders: " + "; ".join(f"`{name}`: {text}" for name, text in _HEADERS) + "."
        ),
        request=WebhookPayloadSerializer,
        responses={
            200: OpenApiResponse(description="Accepted (any 2xx)."),
            429: OpenApiResponse(description="Slow down: retried after Retry-After."),
            500: OpenApiResponse(description="Retried later (any 5xx)."),
        },
    ),
)
