"""The writes of the alerts app, in one place: dispatch (changes -> outbox), delivery (outbox ->
mail server) and the daily emails. The work lives in dispatch.py, delivery.py and schedules.py."""

from riskregister.alerts.delivery import alert_deliver, alerts_deliver_due
from riskregister.alerts.dispatch import alerts_dispatch_pending, batch_dispatch
from riskregister.alerts.schedules import countdowns_send, review_reminders_send, team_digests_send

__all__ = [
    "alert_deliver",
    "alerts_deliver_due",
    "alerts_dispatch_pending",
    "batch_dispatch",
    "countdowns_send",
    "review_reminders_send",
    "team_digests_send",
]
