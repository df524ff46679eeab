"""Alert channels: a base class plus one `kind -> class` registry (email, slack, webhook; the two
HTTP channels share posting.py). AlertsConfig.ready() imports the channel modules, which register
themselves; delivery code never names a channel class: it looks the delivery's `channel` up here.
"""

from riskregister.alerts.channels.base import (
    Channel,
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    channel_choices,
    channels,
    get_channel,
    http_response_error,
    register_channel,
    smtp_reply_error,
)

__all__ = [
    "Channel",
    "DeliveryError",
    "PermanentDeliveryError",
    "TransientDeliveryError",
    "channel_choices",
    "channels",
    "get_channel",
    "http_response_error",
    "register_channel",
    "smtp_reply_error",
]
