"""Run the alert dispatcher and the delivery once, in the foreground, and say what happened."""

from django.core.management.base import BaseCommand

from riskregister.alerts import services
from riskregister.alerts.outbox import outcome_summary


class Command(BaseCommand):
    help = "Dispatch pending changes into alerts and deliver every alert that is due; print sent/retried/failed."

    def add_arguments(self, parser):
        parser.add_argument("--daily", action="store_true", help="Also write today's countdowns, review reminders and yesterday's digests.")

    def handle(self, *args, **options):
        written = len(services.alerts_dispatch_pending())
        if options["daily"]:
            written += len(services.countdowns_send()) + len(services.review_reminders_send()) + len(services.team_digests_send())
        outcome = services.alerts_deliver_due()
        self.stdout.write(
            f"{written} alert(s) written; {outcome_summary(outcome)}."
        )
