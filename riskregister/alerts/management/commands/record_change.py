"""Record a change no source reported, e.g. an export-control ban:

    manage.py record_change --model claude-fable-5 --lifecycle banned --title "export-control ban" --link https://...

It is stored as a manual StatusChange in a batch of its own, updates the model, vendor or offering,
and is alerted exactly like a detected change (the dispatcher picks it up; `--send` does it now).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from riskregister.alerts import services
from riskregister.alerts.outbox import outcome_summary
from vendors.recording import manual_change_record
from vendors.models import AIModel, Lifecycle, Offering, OperationalStatus, StatusChange, Vendor


class Command(BaseCommand):
    help = "Record a manual change (ban, retirement, outage...) of a model, vendor or offering and alert the teams."

    def add_arguments(self, parser):
        subject = parser.add_mutually_exclusive_group(required=True)
        subject.add_argument("--model", metavar="SLUG")
        subject.add_argument("--vendor", metavar="SLUG")
        subject.add_argument("--offering", metavar="ID", type=int)
        change = parser.add_mutually_exclusive_group(required=True)
        change.add_argument("--lifecycle", choices=Lifecycle.values)
        change.add_argument("--status", choices=OperationalStatus.values)
        parser.add_argument("--title", default="")
        parser.add_argument("--link", default="")
        parser.add_argument("--severity", choices=StatusChange.Severity.values, help="Default: rated from the change.")
        parser.add_argument("--effective-date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
        parser.add_argument("--send", action="store_true", help="Dispatch and deliver now, in the foreground.")

    def handle(self, *args, **options):
        subject = {}
        try:
            if options["model"]:
                subject["model"] = AIModel.objects.get(slug=options["model"])
            elif options["vendor"]:
                subject["vendor"] = Vendor.objects.get(slug=options["vendor"])
            else:
                subject["offering"] = Offering.objects.select_related("model", "distributor").get(id=options["offering"])
        except (AIModel.DoesNotExist, Vendor.DoesNotExist, Offering.DoesNotExist):
            raise CommandError("No such model, vendor or offering.") from None
        kind, value = (
            (StatusChange.Kind.LIFECYCLE, options["lifecycle"]) if options["lifecycle"] else (StatusChange.Kind.STATUS, options["status"])
        )
        try:
            change = manual_change_record(
                kind=kind, value=value, title=options["title"], link=options["link"], severity=options["severity"],
                effective_date=options["effective_date"], **subject,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())) from None
        self.stdout.write(f"Recorded change {change.id} [{change.severity}] {change.title} (batch {change.batch}).")
        if options["send"]:
            alerts = services.batch_dispatch(batch=change.batch)
            outcome = services.alerts_deliver_due()
            self.stdout.write(
                f"{len(alerts)} alert(s) written; {outcome_summary(outcome)}."
            )
        else:
            self.stdout.write("The dispatcher will alert the affected teams (run send_alerts to do it now).")
