"""Strict readers for settings that come from the environment.

A value that cannot be read is a configuration error at start-up, never a silent default:
``DEBUG=maybe`` stops the process instead of quietly meaning False.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use one of true/false, 1/0, yes/no, on/off")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int_list(name: str, default: list[int], *, minimum: int | None = None) -> list[int]:
    """A comma-separated list of integers, e.g. ALERT_COUNTDOWN_DAYS=90,30,7,1."""
    values = []
    for item in env_list(name, [str(value) for value in default]):
        try:
            value = int(item)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be comma-separated integers; {item!r} is not one") from None
        if minimum is not None and value < minimum:
            raise ImproperlyConfigured(f"{name}: {value} must be at least {minimum}")
        values.append(value)
    return values
