from django.db import models


class WorkerHeartbeat(models.Model):
    """When a Celery worker last ran the periodic heartbeat task; /healthz reads it."""

    worker = models.CharField(max_length=200, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        ordering = ["-beat_at"]

    def __str__(self):
        return f"{self.worker} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
