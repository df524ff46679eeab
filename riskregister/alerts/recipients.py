"""Who a team's subscriptions send to, loaded for many teams in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TypeVar

from riskregister.alerts.models import Alert, Subscription
from riskregister.alerts.outbox import Outgoing, Target
from riskregister.teams.models import Membership
from vendors.models import StatusChange


@dataclass(frozen=True)
class SubscriptionWants:
    """What one subscription asks for. `key` indexes its recipients."""

    key: str
    team_id: int
    kinds: tuple[str, ...]
    min_severity: str
    mode: str
    email: str = ""
    user_email: str | None = None
    user_id: int | None = None
    all_members: bool = False
    channel: str = "email"
    # A Slack or webhook subscription's delivery target: the subscription, never its URL.
    delivery_target: str = ""
    implicit: bool = field(default=False, compare=False)


def _implicit(team_id: int) -> SubscriptionWants:
    # A team with no subscription rows at all hears of changes like a team that subscribed all its
    # members to every kind from minor on: a new team is never silently left out. A team that wants
    # silence keeps an inactive subscription.
    return SubscriptionWants(
        key=f"implicit:{team_id}", team_id=team_id, kinds=(), min_severity=StatusChange.Severity.MINOR,
        mode=Subscription.Mode.IMMEDIATE, all_members=True, implicit=True,
    )


def subscriptions_of_teams(*, team_ids: list[int]) -> dict[int, list[SubscriptionWants]]:
    """The subscriptions of each team on every channel (active ones; the implicit one for a team with
    none)."""
    by_team: dict[int, list[SubscriptionWants]] = defaultdict(list)
    teams_with_rows: set[int] = set()
    for subscription in Subscription.objects.filter(team_id__in=team_ids).select_related("user").order_by("id"):
        teams_with_rows.add(subscription.team_id)
        if not subscription.active:
            continue
        if subscription.channel != "email":
            if subscription.target:
                by_team[subscription.team_id].append(SubscriptionWants(
                    key=f"subscription:{subscription.id}", team_id=subscription.team_id,
                    kinds=tuple(subscription.kinds or ()), min_severity=subscription.min_severity,
                    mode=subscription.mode, channel=subscription.channel,
                    delivery_target=subscription.delivery_target,
                ))
            continue
        by_team[subscription.team_id].append(
            SubscriptionWants(
                key=f"subscription:{subscription.id}",
                team_id=subscription.team_id,
                kinds=tuple(subscription.kinds or ()),
                min_severity=subscription.min_severity,
                mode=subscription.mode,
                email=subscription.email,
                user_email=(subscription.user.email or "") if subscription.user_id else None,
                user_id=subscription.user_id,
                all_members=not subscription.email and not subscription.user_id,
            )
        )
    for team_id in team_ids:
        if team_id not in teams_with_rows:
            by_team[team_id].append(_implicit(team_id))
    return dict(by_team)


def recipients_by_subscription(subscriptions: dict[int, list[SubscriptionWants]]) -> dict[str, list[Target]]:
    """The targets of each subscription: its address, its user's, or every member with an email; a
    Slack or webhook subscription's own delivery target. A member who turned their alert emails off
    for the team (`Membership.email_alerts`) is left out of its all-members email subscriptions and
    of their own; an address subscription is the team's list, not a member, and stays; a Slack or
    webhook subscription is the team's channel and stays too."""
    member_teams = {
        wants.team_id
        for wanted in subscriptions.values()
        for wants in wanted
        if wants.channel == "email" and (wants.all_members or wants.user_id)
    }
    members: dict[int, set[str]] = defaultdict(set)
    muted: set[tuple[int, int]] = set()
    if member_teams:
        for team_id, user_id, email, active, email_alerts in Membership.objects.filter(team_id__in=member_teams).values_list(
            "team_id", "user_id", "user__email", "user__is_active", "email_alerts"
        ):
            if not email_alerts:
                muted.add((team_id, user_id))
            elif email and active:
                members[team_id].add(email)
    result: dict[str, list[Target]] = {}
    for wanted in subscriptions.values():
        for wants in wanted:
            if wants.channel != "email":
                addresses = [wants.delivery_target]
            elif wants.email:
                addresses = [wants.email]
            elif wants.user_email is not None:
                keep = wants.user_email and (wants.team_id, wants.user_id) not in muted
                addresses = [wants.user_email] if keep else []
            else:
                addresses = sorted(members.get(wants.team_id, ()))
            result[wants.key] = [Target(wants.channel, address) for address in addresses]
    return result


def muted_addresses(*, team_ids: Collection[int]) -> dict[int, set[str]]:
    """The addresses of the members of each team who turned its alert emails off: the daily digest
    drops them even from alerts fanned out before they did."""
    muted: dict[int, set[str]] = defaultdict(set)
    for team_id, email in Membership.objects.filter(team_id__in=list(team_ids), email_alerts=False).exclude(
        user__email=""
    ).values_list("team_id", "user__email"):
        muted[team_id].add(email)
    return dict(muted)


T = TypeVar("T")


def digest_payload(targets) -> dict:
    """Where an alert's digest goes, kept on the alert: `digest_recipients` the email addresses,
    `digest_targets` the [channel, target] pairs of the other channels (subscriptions, never URLs)."""
    payload = {"digest_recipients": sorted(t.address for t in targets if t.channel == "email")}
    others = sorted([t.channel, t.address] for t in targets if t.channel != "email")
    if others:
        payload["digest_targets"] = others
    return payload


def digest_targets_of(payload: dict) -> list[Target]:
    """The targets `digest_payload` wrote, read back from an alert's payload."""
    return [Target("email", address) for address in payload.get("digest_recipients") or []] + [
        Target(channel, address) for channel, address in payload.get("digest_targets") or []
    ]


@dataclass(frozen=True)
class FanOut:
    """A team's recipients for one alert, split by how they asked to hear: at once or in the digest.
    Every channel's targets are in one alert (one alert per team per batch), a Delivery row each."""

    immediate: frozenset[Target] = frozenset()
    digest: frozenset[Target] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.immediate or self.digest)

    def outgoing(self, alert: Alert) -> Outgoing:
        """`alert` (unsaved, its content filled in) addressed to these recipients: immediate when
        anyone wants it now, else only collected by the team's digest."""
        alert.mode = Subscription.Mode.IMMEDIATE if self.immediate else Subscription.Mode.DAILY_DIGEST
        alert.payload = {**(alert.payload or {}), **digest_payload(self.digest)}
        return Outgoing(alert=alert, targets=sorted(self.immediate))


class Audience:
    """The subscriptions and recipients of some teams, loaded once, and the one fan-out of an alert
    to a team's immediate and digest recipients (the dispatcher's and the countdowns')."""

    def __init__(self, *, team_ids: list[int]):
        self.subscriptions = subscriptions_of_teams(team_ids=team_ids)
        self.recipients = recipients_by_subscription(self.subscriptions)

    def fan_out(self, team_id: int, picks: Callable[[SubscriptionWants], Collection[T]]) -> tuple[FanOut, set[T]]:
        """`picks(wants)` says what a subscription takes of the alert (the changes it wants; empty for
        nothing). The team's recipients of the subscriptions that took something, and all they took."""
        immediate: set[Target] = set()
        digest: set[Target] = set()
        taken: set[T] = set()
        for wants in self.subscriptions.get(team_id, []):
            picked = picks(wants)
            if not picked:
                continue
            taken |= set(picked)
            (immediate if wants.mode == Subscription.Mode.IMMEDIATE else digest).update(self.recipients[wants.key])
        return FanOut(immediate=frozenset(immediate), digest=frozenset(digest)), taken
