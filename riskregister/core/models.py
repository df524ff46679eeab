from django.db import models


class WorkerHeartbeat(models.Model):
    """When a Celery worker last ran the periodic heartbeat task; /healthz reads it.

    A row names the worker process that wrote it (`started_at` and `boot_id`, set once when the
    worker process starts): a worker that stops cleanly removes its own row, one that starts again
    under the same name replaces the row of its dead predecessor, and `make run` clears them all at
    start (`manage.py reset_heartbeats`), so no restart reports healthy on a dead worker's beat.
    """

    worker = models.CharField(max_length=200, unique=True)
    beat_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True, help_text="When the worker process that beat started.")
    boot_id = models.CharField(max_length=32, blank=True, help_text="Identity of that worker process, new at each start.")

    class Meta:
        ordering = ["-beat_at"]

    def __str__(self):
        return f"{self.worker} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
