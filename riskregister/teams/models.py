from django.conf import settings
from django.db import models

from vendors.entity import Entity

REVIEWERS_GROUP = "reviewers"


class Team(Entity):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(Entity):
    class Role(models.TextChoices):
        LEAD = "lead"
        MEMBER = "member"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    email_alerts = models.BooleanField(
        default=True,
        help_text="The member hears of this team's alerts by email: through the team's all-members "
        "subscriptions and their own. Off, the member is left out of both (the member's own switch).",
    )

    class Meta:
        ordering = ["team__name", "user__username"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} ({self.role} of {self.team})"
