"""The contract every alert channel keeps, the rules that say which failures are worth retrying, and
the registry of channels by kind."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from vendors.registry import Registry

if TYPE_CHECKING:
    from riskregister.alerts.models import Alert


class DeliveryError(Exception):
    """A channel could not hand the alert over to a target."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying later, with backoff: the receiver said 'try again', or could not be reached.
    `retry_after` (seconds) is the receiver's own not-before (a 429's Retry-After); the outbox
    waits that long instead of its backoff, up to ALERT_RETRY_MAX_SECONDS."""

    def __init__(self, *args, retry_after: float | None = None):
        super().__init__(*args)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help: the delivery is marked failed with this error, and shown to the lead."""


def smtp_reply_error(code: int | None, text: str) -> DeliveryError:
    """What an SMTP reply that is not a success means for one recipient (RFC 5321, section 4.2.1):
    a 4yz reply is transient (greylisting, a full mailbox, a server busy), a 5yz reply permanent
    (no such user, relaying denied). No code at all (a dropped connection) is transient."""
    if code is not None and 500 <= code < 600:
        return PermanentDeliveryError(text)
    return TransientDeliveryError(text)


def http_response_error(status: int | None, text: str) -> DeliveryError:
    """What an HTTP answer that is not a 2xx means for a Slack or webhook target: a 5xx, a 429 (rate
    limited) and no answer at all (`status` None: a timeout, a refused or reset connection) are
    transient; every other 4xx (a revoked hook 404, a bad token 401/403, a payload refused 400)
    and anything else unexpected (a 3xx our client would not follow) is permanent."""
    if status is None or status == 429 or 500 <= status < 600:
        return TransientDeliveryError(text)
    return PermanentDeliveryError(text)


class Channel:
    """Hands one alert to its targets on one channel (email addresses; a Slack or webhook URL).

    `deliver(alert, targets)` returns when it has an answer for every target: a map from each target
    that did NOT take the alert to its DeliveryError; a target missing from the map accepted it. It
    raises a DeliveryError instead when the failure is the same for all targets (the server is
    unreachable, the message as a whole was refused). It must not touch the database: the outbox
    alone decides what an outcome means for each Delivery row.

    Which error is which:

    - email (SMTP, `smtp_reply_error`): a 4yz reply, at RCPT for one address or at DATA for all, and a
      connection that fails or times out are TransientDeliveryError (retried with capped, jittered
      backoff up to ALERT_MAX_ATTEMPTS); a 5yz reply is PermanentDeliveryError for that address.
    - HTTP channels (Slack, webhook; `http_response_error`): a 5xx, a 429 and a timeout or refused
      connection are TransientDeliveryError; any other 4xx is PermanentDeliveryError.
    """

    kind: ClassVar[str]
    label: ClassVar[str]

    def deliver(self, alert: Alert, targets: list[str]) -> dict[str, DeliveryError]:
        raise NotImplementedError


channels: Registry = Registry("alert channel")
register_channel = channels.register


def get_channel(kind: str) -> Channel:
    try:
        return channels.get(kind)()
    except LookupError:
        raise PermanentDeliveryError(f"no alert channel named {kind!r}") from None


def channel_choices() -> list[tuple[str, str]]:
    """Choices of the `channel` fields of Subscription, Alert and Delivery: whatever is registered."""
    return channels.choices()
