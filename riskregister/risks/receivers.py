"""The register's side of `vendors.signals.changes_recorded`: risks hit by a real change go back to
the review queue. Alerts listen to the same signal for their own purpose."""

import logging

logger = logging.getLogger(__name__)


def flag_risks_of_batch(sender, batch, **kwargs):
    from riskregister.risks.services import risks_flag_for_batch

    # The signal is sent after the changes committed; a failure here must not undo or block them
    # (the alerts still go out), so it is logged, not raised.
    try:
        risks_flag_for_batch(batch=batch)
    except Exception:
        logger.exception("could not flag the risks reached by batch %s for review", batch)
