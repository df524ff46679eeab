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


class SiteRollup(models.Model):
    """The sum of every team's rollup, kept as one row (pk 1) so that a reviewer's dashboard reads
    one small row instead of every team's (about 12 KB of JSON each: 6 MB at 500 teams, most of the
    reviewer's dashboard time in bench/web.py). `rollup.rollups_refresh` rebuilds it on a full
    refresh and, for a refresh of some teams, takes their old figures out and adds the new ones
    (every figure is additive), under a row lock."""

    computed_at = models.DateTimeField(help_text="The last full refresh: every team's figures are at least this fresh.")
    # rollup.site_sum's shape: the summed groups, plus each team's totals under "by_team".
    figures = models.JSONField(default=dict)

    def __str__(self):
        return f"site rollup as of {self.computed_at:%Y-%m-%d %H:%M}"
