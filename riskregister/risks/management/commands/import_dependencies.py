"""Register a team's dependencies from a CSV file or a CycloneDX AI-BOM, all or nothing.

The same import job as an upload on the team page, run in this process rather than by a worker.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from riskregister.imports.models import ImportJob
from riskregister.risks import imports
from riskregister.teams.models import Team


class Command(BaseCommand):
    help = "Import dependencies of a team from a CSV file or a CycloneDX AI-BOM (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="The team's slug.")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--csv", type=Path, help="A CSV file with a header row.")
        source.add_argument("--cyclonedx", type=Path, help="A CycloneDX 1.5+ AI-BOM in JSON.")
        parser.add_argument("--system", default="", help="The service, for a BOM without metadata.component.")

    def handle(self, *args, team, csv, cyclonedx, system, **options):
        found = Team.objects.filter(slug=team).first()
        if found is None:
            raise CommandError(f"No team with slug {team!r}.")
        path = csv or cyclonedx
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        kind = "dependencies_csv" if csv else "dependencies_cyclonedx"
        try:
            job = imports.dependencies_import(
                kind=kind, team=found, content=content, filename=path.name, options={"system": system} if cyclonedx else {}
            )
        except ValidationError as error:
            lines = [f"  {where}: {message}" for where, messages in error.message_dict.items() for message in messages]
            raise CommandError("Nothing imported:\n" + "\n".join(lines)) from None
        if job.status != ImportJob.Status.SUCCEEDED:
            lines = [f"  {issue['where']}: {issue['message']}" for issue in job.issues]
            raise CommandError("Nothing imported:\n" + "\n".join(lines))
        summary = job.summary
        for line in summary.get("created_lines", []):
            self.stdout.write(f"registered {line}")
        for line in summary.get("skipped_lines", []):
            self.stdout.write(f"skipped {line}")
        for line in summary.get("ignored", []):
            self.stdout.write(f"ignored {line}")
        self.stdout.write(f"imported {summary.get('created', 0)}, skipped {summary.get('skipped', 0)}")
