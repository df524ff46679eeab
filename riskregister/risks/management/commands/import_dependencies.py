"""Register a team's dependencies from a CSV file or a CycloneDX AI-BOM, all or nothing."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

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
        try:
            if csv:
                result = imports.dependencies_import_csv(team=found, content=content, actor=None)
            else:
                result = imports.dependencies_import_cyclonedx(team=found, content=content, actor=None, system=system)
        except ValidationError as error:
            lines = [f"  {where}: {message}" for where, messages in error.message_dict.items() for message in messages]
            raise CommandError("Nothing imported:\n" + "\n".join(lines)) from None
        for dependency in result.created:
            self.stdout.write(f"registered {dependency.system} -> {dependency.offering} ({dependency.environment})")
        for line in result.skipped:
            self.stdout.write(f"skipped {line}")
        self.stdout.write(f"imported {len(result.created)}, skipped {len(result.skipped)}")
