"""The writes of the alerts app, in one place: dispatch (changes -> outbox), delivery (outbox ->
receivers) and the daily emails. The work lives in dispatch.py, outbox.py and schedules.py; none of
it knows Celery: each returns what it wrote, and tasks.py enqueues what is to be delivered."""

from riskregister.alerts.dispatch import alerts_dispatch_pending, batch_dispatch
from riskregister.alerts.outbox import alert_deliver, alerts_deliver_due, deliverable
from riskregister.alerts.schedules import countdowns_send, review_reminders_send, team_digests_send

__all__ = [
    "alert_deliver",
    "alerts_deliver_due",
    "alerts_dispatch_pending",
    "batch_dispatch",
    "countdowns_send",
    "deliverable",
    "review_reminders_send",
    "team_digests_send",
]
