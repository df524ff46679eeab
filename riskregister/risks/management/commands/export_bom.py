"""Write a team's dependencies as a CycloneDX 1.6 AI-BOM (JSON), to stdout or a file."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from riskregister.risks import bom
from riskregister.teams.models import Team


class Command(BaseCommand):
    help = "Export a team's dependencies as a CycloneDX 1.6 AI-BOM in JSON."

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="The team's slug.")
        parser.add_argument("--output", "-o", type=Path, help="A file to write (default: stdout).")

    def handle(self, *args, team, output, **options):
        found = Team.objects.filter(slug=team).first()
        if found is None:
            raise CommandError(f"No team with slug {team!r}.")
        document = json.dumps(bom.team_bom(found), indent=2, ensure_ascii=False)
        if output is None:
            self.stdout.write(document)
            return
        try:
            output.write_text(document + "\n", encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error}") from None
        self.stderr.write(f"wrote {output}")
