"""Turns `vendors.signals.changes_recorded` into a dispatch task. vendors never imports the register,
so this receiver, connected in AlertsConfig.ready(), is the whole bridge; the beat's dispatcher tick
is the safety net when the broker is down.

`dependency_saved` / `fallback_changed` give a dependency registered or changed while an event is
open its stored reach at once (alerts/events.py: `dependency_reach_refresh`)."""


def enqueue_dispatch(sender=None, batch=None, **kwargs) -> None:
    if batch is None:
        return
    from riskregister.alerts.tasks import enqueue_batch_dispatch  # tasks import the services; keep it lazy

    enqueue_batch_dispatch(batch)


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
