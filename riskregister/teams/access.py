"""The one access helper every view and API endpoint uses.

Leads and members see their own teams' rows; reviewers (the `reviewers` group) and admins (staff)
see every team's. Another team's object is a 404, never a 403, so that ids reveal nothing.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from riskregister.teams.models import REVIEWERS_GROUP, Membership, Team


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def is_reviewer(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    cached = getattr(user, "_is_reviewer_cache", None)
    if cached is None:
        cached = user.groups.filter(name=REVIEWERS_GROUP).exists()
        user._is_reviewer_cache = cached
    return cached


def sees_all_teams(user) -> bool:
    return is_admin(user) or is_reviewer(user)


def member_team_ids(user) -> set[int]:
    """Ids of the teams the user belongs to, with any role."""
    if isinstance(user, AnonymousUser) or not user.is_authenticated:
        return set()
    cached = getattr(user, "_member_team_ids_cache", None)
    if cached is None:
        cached = set(Membership.objects.filter(user=user).values_list("team_id", flat=True))
        user._member_team_ids_cache = cached
    return cached


def lead_team_ids(user) -> set[int]:
    """Ids of the teams the user leads."""
    if isinstance(user, AnonymousUser) or not user.is_authenticated:
        return set()
    cached = getattr(user, "_lead_team_ids_cache", None)
    if cached is None:
        cached = set(
            Membership.objects.filter(user=user, role=Membership.Role.LEAD).values_list("team_id", flat=True)
        )
        user._lead_team_ids_cache = cached
    return cached


def visible_teams(user) -> QuerySet[Team]:
    if sees_all_teams(user):
        return Team.objects.all()
    return Team.objects.filter(id__in=member_team_ids(user))


def scope_to_teams(queryset: QuerySet, user, team_field: str = "team") -> QuerySet:
    """Restrict a queryset of team-owned rows to what the user may see."""
    if sees_all_teams(user):
        return queryset
    return queryset.filter(**{f"{team_field}__in": member_team_ids(user)})


def can_edit_team(user, team_id: int) -> bool:
    """Leads edit their own team's dependencies and mitigations; admins edit everything."""
    return is_admin(user) or team_id in lead_team_ids(user)


def get_visible_team_or_404(user, slug: str) -> Team:
    team = visible_teams(user).filter(slug=slug).first()
    if team is None:
        raise Http404("No such team.")
    return team
