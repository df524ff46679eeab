"""The dashboard's rollup: each team's figures, computed by the worker and read by the pages.

Exposure by four groupings takes about a second each at 100,000 dependencies; the dashboard reads
these rows instead (one query), and says when they were computed. `rollup.rollups_refresh` writes
them: the worker after every dispatched batch and every few minutes, a page at once after a user's
own change to their team.
"""

from django.db import models

from riskregister.teams.models import Team


class TeamRollup(models.Model):
    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="rollup")
    computed_at = models.DateTimeField()
    # The additive figures of one team (see rollup.team_figures): summed over teams they give the
    # figures of any set of teams, the whole register included.
    figures = models.JSONField(default=dict)

    def __str__(self):
        return f"rollup of {self.team} at {self.computed_at:%Y-%m-%d %H:%M}"
