"""Turns `vendors.signals.changes_recorded` into a dispatch task. vendors never imports the register,
so this receiver, connected in AlertsConfig.ready(), is the whole bridge; the beat's dispatcher tick
is the safety net when the broker is down."""


def enqueue_dispatch(sender=None, batch=None, **kwargs) -> None:
    if batch is None:
        return
    from riskregister.alerts.tasks import enqueue_batch_dispatch  # tasks import the services; keep it lazy

    enqueue_batch_dispatch(batch)
