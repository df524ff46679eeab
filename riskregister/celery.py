"""The Celery application: JSON only, time limits and the database beat scheduler come from settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings")

app = Celery("riskregister")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
