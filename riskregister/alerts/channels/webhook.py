"""Signed webhooks: the versioned JSON payload of riskregister/alerts/channels/payloads.py, signed
by the Standard Webhooks scheme with the subscription's own secret (stored encrypted,
riskregister/alerts/secrets.py). The alert's uuid is the `webhook-id`, the same on every retry, so
a receiver drops a duplicate; the timestamp is the time of each attempt, so the signature of a
retry is fresh."""

from __future__ import annotations

from django.utils import timezone

from riskregister.alerts.channels.base import PermanentDeliveryError, register_channel
from riskregister.alerts.channels.payloads import AlertMessage, signed_webhook
from riskregister.alerts.channels.posting import PostingChannel
from riskregister.alerts.secrets import SecretUnreadable, secret_decrypt


@register_channel
class WebhookChannel(PostingChannel):
    kind = "webhook"
    label = "signed webhook"

    def request(self, message: AlertMessage, subscription) -> tuple[bytes, dict[str, str]]:
        if not subscription.secret_encrypted:
            raise PermanentDeliveryError("the subscription has no signing secret; rotate it to make one")
        try:
            secret = secret_decrypt(subscription.secret_encrypted)
        except SecretUnreadable as exc:
            raise PermanentDeliveryError(str(exc)) from None
        body, headers = signed_webhook(message, secret=secret, timestamp=timezone.now())
        return body.encode(), headers
