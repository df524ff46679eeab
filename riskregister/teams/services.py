"""The writes of the teams app."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from riskregister.teams.models import Membership


def membership_set_email_alerts(*, membership: Membership, enabled: bool, actor) -> Membership:
    """A member turns their own alert emails for one team off or on. Only the member: a lead manages
    the team's subscriptions, not whether a colleague reads them (riskregister/alerts/recipients.py
    leaves a member who turned them off out of the all-members and personal subscriptions)."""
    if not (actor and actor.is_authenticated and actor.is_active and membership.user_id == actor.pk):
        raise PermissionDenied("Only the member turns their own alert emails off and on.")
    if membership.email_alerts != enabled:
        membership.email_alerts = enabled
        membership.save(update_fields=["email_alerts", "updated_at"])
    return membership
