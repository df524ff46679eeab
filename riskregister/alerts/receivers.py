"""Turns `vendors.signals.changes_recorded` into a dispatch task. vendors never imports the register,
so this receiver, connected in AlertsConfig.ready(), is the whole bridge; the beat's dispatcher tick
is the safety net when the broker is down.

`dependency_saved` / `fallback_changed` give a dependency registered or changed while an event is
open its stored reach at once (alerts/events.py: `dependency_reach_refresh`)."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_dispatch(sender=None, batch=None, **kwargs) -> None:
    if batch is None:
        return

    def enqueue():
        from riskregister.alerts.tasks import dispatch_batch

        try:
            dispatch_batch.delay(str(batch))
        except Exception:  # the broker is down: the periodic dispatcher claims the batch later
            logger.warning("could not enqueue dispatch of batch %s; the periodic dispatcher will", batch)

    transaction.on_commit(enqueue)


def dependency_saved(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # loading fixtures
        return
    from riskregister.alerts.events import dependency_reach_refresh

    dependency_reach_refresh(dependency_id=instance.pk)


def fallback_changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    from riskregister.alerts.events import dependency_reach_refresh
    from riskregister.risks.models import Dependency

    if Dependency.objects.filter(pk=instance.dependency_id).exists():  # not while its dependency is deleted
        dependency_reach_refresh(dependency_id=instance.dependency_id)
