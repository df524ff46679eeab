from rest_framework import serializers

from riskregister.teams.access import visible_teams
from riskregister.teams.models import Team


class VisibleTeamField(serializers.SlugRelatedField):
    """A team named by slug, among the teams the caller can see: another team reads as "no such
    team", the same answer as a slug that does not exist."""

    default_error_messages = {
        "does_not_exist": "No such team.",
        "invalid": "A team slug.",
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:  # schema generation
            return Team.objects.none()
        return visible_teams(request.user)
