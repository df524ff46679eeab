"""The contract every alert channel keeps, and the registry of channels by kind."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from riskregister.alerts.models import Alert


class DeliveryError(Exception):
    """A channel could not hand the alert over."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying later: the server said 'try again' (4xx), refused the connection or timed out."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (5xx, a malformed message): the alert is marked failed with this error."""


class Channel:
    """Hands one alert to the outside world. `deliver` returns when the other side has accepted the
    message and raises a DeliveryError subclass otherwise; it must not touch the database, so that
    the caller alone decides what a failure means for the outbox row."""

    kind: ClassVar[str]
    label: ClassVar[str]

    def deliver(self, alert: Alert) -> None:
        raise NotImplementedError


_REGISTRY: dict[str, type[Channel]] = {}


def register_channel(cls: type[Channel]) -> type[Channel]:
    if cls.kind in _REGISTRY and _REGISTRY[cls.kind] is not cls:
        raise ValueError(f"alert channel {cls.kind!r} registered twice")
    _REGISTRY[cls.kind] = cls
    return cls


def get_channel(kind: str) -> Channel:
    try:
        return _REGISTRY[kind]()
    except KeyError:
        raise PermanentDeliveryError(f"no alert channel named {kind!r}") from None


def channel_choices() -> list[tuple[str, str]]:
    """Choices of the `channel` fields of Subscription and Alert: whatever is registered."""
    return [(kind, cls.label) for kind, cls in sorted(_REGISTRY.items())]
