"""Who may call what, by role. Built on riskregister/teams/access.py, the one access helper.

Row visibility is not decided here but by each view's queryset (`scope_to_teams`): another team's
object is simply not found (404), and lists never hold it. These classes decide the rest: whether a
role may read a kind of resource at all, and whether it may write it.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from riskregister.teams.access import is_admin, lead_team_ids, sees_all_teams


def _signed_in(request) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and user.is_active)


class ReadSignedInWriteAdmin(BasePermission):
    """The shared catalog: every signed-in user reads it, admins curate it."""

    message = "Only admins change the catalog."

    def has_permission(self, request, view):
        if not _signed_in(request):
            return False
        return request.method in SAFE_METHODS or is_admin(request.user)


class AdminOnly(BasePermission):
    message = "Only admins manage this."

    def has_permission(self, request, view):
        return _signed_in(request) and is_admin(request.user)


class ReadSignedInWriteReviewer(BasePermission):
    """Status changes: everyone reads them, reviewers and admins record manual ones."""

    message = "Only reviewers and admins record changes."

    def has_permission(self, request, view):
        if not _signed_in(request):
            return False
        return request.method in SAFE_METHODS or sees_all_teams(request.user)


class ReadSignedInWriteLead(BasePermission):
    """Team-owned rows: leads (of some team), reviewers where the view allows it, and admins may
    write; whether the row's team is theirs is checked by the view, which knows the team."""

    message = "Only a team's leads and admins change its rows."

    def has_permission(self, request, view):
        if not _signed_in(request):
            return False
        if request.method in SAFE_METHODS or is_admin(request.user):
            return True
        if getattr(view, "reviewers_write", False) and sees_all_teams(request.user):
            return True
        return bool(lead_team_ids(request.user))


class SignedIn(BasePermission):
    def has_permission(self, request, view):
        return _signed_in(request)
