"""The writes of the alerts app, in one place: dispatch (changes -> outbox), delivery (outbox ->
receivers) and the daily emails. The work lives in dispatch.py, outbox.py and schedules.py; none of
it knows Celery: each returns what it wrote, and tasks.py enqueues what is to be delivered."""

from riskregister.alerts.dispatch import alerts_dispatch_pending, batch_dispatch
from riskregister.alerts.outbox import alert_deliver, alerts_deliver_due, deliverable
from riskregister.alerts.schedules import countdowns_send, review_reminders_send, team_digests_send

__all__ = [
    "alert_deliver",
    "alerts_deliver_due",
    "alerts_dispatch_pending",
    "batch_dispatch",
    "countdowns_send",
    "deliverable",
    "review_reminders_send",
    "team_digests_send",
]


def subscription_create(*, team, actor, kinds=(), min_severity="minor", mode="immediate", email="", user=None):
    """A lead (or admin) subscribes the team, an address or one member to changes."""
    from django.core.exceptions import PermissionDenied

    from riskregister.alerts.models import Subscription
    from riskregister.teams.access import can_edit_team

    if not can_edit_team(actor, team.pk):
        raise PermissionDenied("Only the team's leads and admins manage its subscriptions.")
    subscription = Subscription(team=team, kinds=list(kinds), min_severity=min_severity, mode=mode, email=email, user=user)
    subscription.full_clean()
    subscription.save()
    return subscription


def subscription_set_active(*, subscription, active: bool, actor):
    """Pause or resume a subscription: the team's leads and admins, or the member it sends to."""
    from django.core.exceptions import PermissionDenied

    from riskregister.teams.access import can_edit_team

    if not (can_edit_team(actor, subscription.team_id) or (subscription.user_id and subscription.user_id == actor.pk)):
        raise PermissionDenied("Only the team's leads, admins and its own member change this subscription.")
    subscription.active = active
    subscription.save(update_fields=["active", "updated_at"])
    return subscription


def subscription_secret_rotate(*, subscription) -> str:
    """A new signing secret for a webhook subscription, stored encrypted; the plain secret is
    returned to be shown once (the old one stops working at once)."""
    from riskregister.alerts.secrets import secret_encrypt, signing_secret_new

    secret = signing_secret_new()
    subscription.secret_encrypted = secret_encrypt(secret)
    subscription.save(update_fields=["secret_encrypted", "updated_at"])
    return secret


def subscription_secret_issue(*, subscription) -> str | None:
    """After a subscription is saved: a webhook subscription without a secret gets one (returned, to
    be shown once); any other channel keeps none."""
    if subscription.channel == "webhook":
        return None if subscription.secret_encrypted else subscription_secret_rotate(subscription=subscription)
    if subscription.secret_encrypted:
        subscription.secret_encrypted = ""
        subscription.save(update_fields=["secret_encrypted", "updated_at"])
    return None
