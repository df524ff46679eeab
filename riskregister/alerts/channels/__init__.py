"""Alert channels: a base class plus a registry `kind -> class` (email first).

Delivery code never names a channel class: it looks the alert's `channel` up here.
"""

from riskregister.alerts.channels.base import (
    Channel,
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    channel_choices,
    get_channel,
    register_channel,
)
from riskregister.alerts.channels.email import EmailChannel

__all__ = [
    "Channel",
    "DeliveryError",
    "EmailChannel",
    "PermanentDeliveryError",
    "TransientDeliveryError",
    "channel_choices",
    "get_channel",
    "register_channel",
]
