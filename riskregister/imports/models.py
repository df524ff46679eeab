"""An import job: one uploaded file, imported in the background, all or nothing."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from riskregister.imports.kinds import kind_choices
from riskregister.teams.models import Team
from vendors.entity import Entity


class ImportJob(Entity):
    """The upload is kept in the database (web and worker may run in separate containers) until the
    job ends; the outcome (summary, issues) stays for the user to come back to."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    class Stage(models.TextChoices):
        WAITING = "", "waiting"
        VALIDATING = "validating"
        WRITING = "writing"
        DONE = "done"

    kind = models.CharField(max_length=50, choices=kind_choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.WAITING, blank=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="import_jobs"
    )
    filename = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0, help_text="Bytes uploaded.")
    content = models.BinaryField(null=True, blank=True, help_text="The upload; emptied when the job ends.")
    options = models.JSONField(default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    issues = models.JSONField(default=list, blank=True, help_text="[{where, message}]: why nothing was written.")
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # services.import_jobs_recover looks for queued and stalled jobs.
            models.Index(fields=["status", "updated_at"], name="import_job_status_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed"]), name="import_job_status_known"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.filename or self.uuid} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))
