"""What the Slack and webhook channels share: a Delivery row names the subscription
("subscription:<uuid>", never its URL); the channel reads the subscription's target (and secret)
when it sends, posts through vendors/http.py with CHANNEL_ALLOWED_PRIVATE_HOSTS, and turns the
answer into a delivery outcome with `http_response_error`.

The channel reads subscriptions and writes nothing: the outbox records every outcome.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from riskregister.alerts.channels.base import (
    Channel,
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    http_response_error,
)
from riskregister.alerts.channels.messages import alert_message
from riskregister.alerts.channels.payloads import AlertMessage
from riskregister.alerts.channels.targets import mask_target
from vendors import http

if TYPE_CHECKING:
    from riskregister.alerts.models import Alert, Subscription

TARGET_PREFIX = "subscription:"
# What is kept of a refusal's body in the delivery's last_error (Slack says why: "invalid_token").
ANSWER_EXCERPT = 200


def retry_after_seconds(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """The wait a 429's Retry-After asks for (RFC 9110, 10.2.3: seconds, or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - (now or timezone.now())).total_seconds())


def subscriptions_of_targets(targets: list[str]) -> dict[str, Subscription]:
    """The subscriptions that delivery targets name, by target. One query."""
    from riskregister.alerts.models import Subscription

    uuids = [target[len(TARGET_PREFIX):] for target in targets if target.startswith(TARGET_PREFIX)]
    found = {}
    for subscription in Subscription.objects.filter(uuid__in=uuids):
        found[subscription.delivery_target] = subscription
    return found


class PostingChannel(Channel):
    """Posts one request per target; subclasses say what the request is."""

    def request(self, message: AlertMessage, subscription: Subscription) -> tuple[bytes, dict[str, str]]:
        raise NotImplementedError

    def deliver(self, alert: Alert, targets: list[str]) -> dict[str, DeliveryError]:
        if not targets:
            return {}
        subscriptions = subscriptions_of_targets(targets)
        message = alert_message(alert)
        errors: dict[str, DeliveryError] = {}
        for target in targets:
            subscription = subscriptions.get(target)
            if subscription is None:
                errors[target] = PermanentDeliveryError("the subscription was deleted")
            elif subscription.channel != self.kind or not subscription.target:
                errors[target] = PermanentDeliveryError(f"the subscription is no longer a {self.kind} subscription")
            else:
                error = self._post(message, subscription)
                if error is not None:
                    errors[target] = error
        return errors

    def _post(self, message: AlertMessage, subscription: Subscription) -> DeliveryError | None:
        where = mask_target(subscription.target)
        try:
            content, headers = self.request(message, subscription)
        except DeliveryError as exc:
            return exc
        try:
            answer = http.post(
                subscription.target, content=content, headers=headers,
                allowed_private_hosts=settings.CHANNEL_ALLOWED_PRIVATE_HOSTS,
            )
        except http.ForbiddenAddress as exc:
            # The connect-time guard: the target now resolves to, or is, an address we may not post to.
            return PermanentDeliveryError(f"{where}: {exc}")
        except http.OutboundError as exc:
            # A timeout, a refused or reset connection: the receiver may be back later.
            return http_response_error(None, f"{where}: {exc}")
        if 200 <= answer.status_code < 300:
            return None
        excerpt = answer.body[:ANSWER_EXCERPT].decode("utf-8", "replace").strip()
        error = http_response_error(answer.status_code, f"HTTP {answer.status_code} from {where}" + (f": {excerpt}" if excerpt else ""))
        if answer.status_code == 429 and isinstance(error, TransientDeliveryError):
            error.retry_after = retry_after_seconds(answer.headers.get("retry-after"))
        return error
