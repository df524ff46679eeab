"""The targets of the HTTP channels (a Slack incoming-webhook URL, a webhook URL): checked when a
subscription is saved like a status source's URL (vendors/http.py), against an allow-list of
their own, CHANNEL_ALLOWED_PRIVATE_HOSTS, and checked again by the connect-time guard when sent.

A target is a credential: wherever it might be shown or logged, `mask_target` stands in for it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from vendors.http import url_host_listed, validate_outbound_url

HTTP_CHANNELS = ("slack", "webhook")


def validate_channel_target(url: str, *, field: str = "target") -> None:
    """Refuse a target the channels may not post to; the error names `field`."""
    try:
        validate_outbound_url(url, allowed_private_hosts=settings.CHANNEL_ALLOWED_PRIVATE_HOSTS)
        listed = url_host_listed(url, settings.CHANNEL_ALLOWED_PRIVATE_HOSTS)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    # The URL carries a token: only over TLS, except to a host the operator listed (a relay on the
    # same network, a receiver on loopback in tests).
    if urlsplit(url).scheme.lower() != "https" and not listed:
        raise ValidationError({field: "The target must be an https URL (it carries a credential)."})


def mask_target(url: str) -> str:
    """What may be shown of a target: its scheme and host, never the path or query with the token."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "…"
    return f"{parts.scheme}://{host}/…" if host else "…"
