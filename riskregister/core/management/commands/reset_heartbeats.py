"""Forget every worker heartbeat: run at start by `bin/run-all` (`make run`), so that /healthz
waits for the new worker instead of trusting the beat of one that died with the last run."""

from django.core.management.base import BaseCommand

from riskregister.core.models import WorkerHeartbeat


class Command(BaseCommand):
    help = "Remove every worker heartbeat; /healthz reports the worker stale until one beats again."

    def handle(self, *args, **options):
        removed, _ = WorkerHeartbeat.objects.all().delete()
        self.stdout.write(f"Removed {removed} worker heartbeat(s).")
