"""The Celery application: JSON only, time limits and the database beat scheduler come from settings."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings")

app = Celery("riskregister")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# The worker's identity for its heartbeats (riskregister/core/tasks.py). Connected here, where the
# worker always looks, and imported at signal time, when Django is set up.
@signals.worker_init.connect
def _worker_init(**kwargs):
    from riskregister.core.tasks import worker_started

    worker_started(**kwargs)


@signals.worker_ready.connect
def _worker_ready(sender=None, **kwargs):
    from riskregister.core.tasks import worker_ready

    worker_ready(sender=sender, **kwargs)


@signals.worker_shutdown.connect
def _worker_shutdown(sender=None, **kwargs):
    from riskregister.core.tasks import worker_stopped

    worker_stopped(sender=sender, **kwargs)
