"""Turns `vendors.signals.changes_recorded` into a dispatch task. vendors never imports the register,
so this receiver, connected in AlertsConfig.ready(), is the whole bridge; the beat's dispatcher tick
is the safety net when the broker is down."""

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
