"""Pushed updates: a status page's webhook tells us to check its source now.

A push is never the truth: whatever its body says, it only makes its source due through the
normal sweep (vendors/checks.py), and the check reads the page itself. So a forged push costs at
most one check. One conditional UPDATE (`push_accept`) decides what a push does:

- the source is being checked (`check_claimed_at` within the lease): `push_pending` is set, and
  the check's completion (`claim_release`) makes the source due once more;
- the source is already due: nothing, the push is coalesced;
- a check started less than CHECKS_PUSH_MIN_INTERVAL ago (`push_not_before`): due then, not now;
- otherwise: due now.

The database holds all of it: any number of web processes answer pushes without a shared cache.
The push URL's token is random, shown once, and stored only as its SHA-256 (a 256-bit random token
needs no slow hash); it is compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid

from django.conf import settings
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from vendors.models import PushOutcome, StatusSource

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def push_path(source: StatusSource, token: str) -> str:
    return f"/hooks/sources/{source.uuid}/{token}/"


def push_url_rotate(*, source: StatusSource) -> str:
    """Give `source` a new push URL (the old one stops working) and return it; it is not stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    source.push_token_hash = token_hash(token)
    source.save(update_fields=["push_token_hash", "updated_at"])
    return f"{settings.SITE_URL}{push_path(source, token)}"


def push_url_revoke(*, source: StatusSource) -> None:
    source.push_token_hash = ""
    source.save(update_fields=["push_token_hash", "updated_at"])


# A stand-in compared against when the source is unknown or has no push URL, so that a wrong token
# takes the same path whatever the reason.
_NO_HASH = "0" * 64


def source_for_push(*, source_uuid: uuid.UUID | str, token: str) -> StatusSource | None:
    """The source the URL names if its token is right; None for an unknown source, a source
    without a push URL and a wrong token alike."""
    try:
        wanted = source_uuid if isinstance(source_uuid, uuid.UUID) else uuid.UUID(str(source_uuid))
    except ValueError:
        wanted = None
    source = None
    if wanted is not None:
        source = StatusSource.objects.only("id", "enabled", "push_token_hash").filter(uuid=wanted).first()
    stored = source.push_token_hash if source is not None and source.push_token_hash else _NO_HASH
    if not hmac.compare_digest(token_hash(token), stored) or stored == _NO_HASH:
        return None
    return source


def _claim_is_live(now: dt.datetime) -> Q:
    """A check is running: claimed less than the claim lease ago (an older claim is a dead worker's)."""
    from vendors.checks import CLAIM_LEASE_SECONDS  # the check engine imports this module

    return Q(check_claimed_at__isnull=False, check_claimed_at__gt=now - dt.timedelta(seconds=CLAIM_LEASE_SECONDS))


def _due(now: dt.datetime) -> Q:
    return Q(next_check_at__isnull=True) | Q(next_check_at__lte=now)


def _rate_limited(now: dt.datetime) -> Q:
    return Q(push_not_before__isnull=False, push_not_before__gt=now)


def push_accept(*, source_id: int, now: dt.datetime | None = None) -> bool:
    """Record a push for an enabled source and make it due, in one conditional UPDATE.

    Returns whether the source was found enabled (a source disabled meanwhile is left alone).
    """
    now = now or timezone.now()
    live, due, limited = _claim_is_live(now), _due(now), _rate_limited(now)
    deferred = limited & Q(next_check_at__gt=F("push_not_before"))
    updated = StatusSource.objects.filter(id=source_id, enabled=True).update(
        last_push_at=Value(now),
        push_count=F("push_count") + 1,
        push_pending=Case(When(live, then=Value(True)), default=F("push_pending")),
        next_check_at=Case(
            When(live, then=F("next_check_at")),
            When(due, then=F("next_check_at")),
            When(deferred, then=F("push_not_before")),
            When(limited, then=F("next_check_at")),
            default=Value(now),
        ),
        last_push_outcome=Case(
            When(live, then=Value(PushOutcome.AFTER_CHECK)),
            When(due, then=Value(PushOutcome.COALESCED)),
            When(deferred, then=Value(PushOutcome.DEFERRED)),
            When(limited, then=Value(PushOutcome.COALESCED)),
            default=Value(PushOutcome.SCHEDULED),
        ),
    )
    return bool(updated)


def last_outcome(*, source_id: int) -> str:
    """What the latest push to the source did (another push may have come since ours)."""
    return StatusSource.objects.filter(id=source_id).values_list("last_push_outcome", flat=True).first() or ""


def pending_push_next_check(now: dt.datetime, *, scheduled: dt.datetime) -> Case:
    """`next_check_at` at the end of a check that `scheduled` the next one: if a push came during
    the check, due again now (or at `push_not_before`, if that is later), never later than `scheduled`."""
    limited = _rate_limited(now)
    return Case(
        When(Q(push_pending=True) & limited & Q(push_not_before__lt=scheduled), then=F("push_not_before")),
        When(Q(push_pending=True) & limited, then=Value(scheduled)),
        When(push_pending=True, then=Value(min(now, scheduled))),
        default=Value(scheduled),
    )
