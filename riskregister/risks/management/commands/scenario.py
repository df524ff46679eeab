"""`manage.py scenario`: what a ban, retirement, outage or jurisdiction would break, on paper.

    manage.py scenario --ban-provider anthropic
    manage.py scenario --outage-distributor amazon --retire-model claude-fable-5 --json
    manage.py scenario --jurisdiction US --save "US export ban" ; manage.py scenario --run-saved "US export ban"
"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from riskregister.risks.models import SavedScenario
from riskregister.risks.scenarios import EVENT_OPTIONS, parse_events, run_scenario, scenario_save
from riskregister.teams.models import Team


class Command(BaseCommand):
    help = "Show the blast radius of a what-if: affected teams and dependencies, coverage, correlated fallbacks, exposure."

    def add_arguments(self, parser):
        events = parser.add_argument_group("events (each may be repeated; all combine into one scenario)")
        events.add_argument("--ban-provider", action="append", default=[], metavar="SLUG", help="Every model of the provider, through every distributor.")
        events.add_argument("--ban-model", action="append", default=[], metavar="SLUG", help="Every offering of the model.")
        events.add_argument("--retire-model", action="append", default=[], metavar="SLUG", help="Every offering of the model.")
        events.add_argument("--outage-distributor", action="append", default=[], metavar="SLUG",
                            help="Only what that vendor itself serves (a provider's slug: its direct API).")
        events.add_argument("--outage-vendor", action="append", default=[], metavar="SLUG", help="Same as --outage-distributor.")
        events.add_argument("--jurisdiction", action="append", default=[], metavar="CC",
                            help="Every offering whose provider or distributor is headquartered there (ISO code).")
        parser.add_argument("--team", action="append", default=[], metavar="SLUG", help="Only these teams.")
        parser.add_argument("--json", action="store_true", help="Print the result as one JSON object.")
        parser.add_argument("--save", metavar="NAME", help="Keep the scenario under this name (replaces one of that name).")
        parser.add_argument("--description", default="", help="With --save: what the scenario is about.")
        parser.add_argument("--run-saved", metavar="NAME", help="Re-run a saved scenario (plus any events given).")
        parser.add_argument("--list-saved", action="store_true", help="List saved scenarios and stop.")

    def handle(self, *args, **options):
        if options["list_saved"]:
            for saved in SavedScenario.objects.all():
                self.stdout.write(f"{saved.name}: {len(saved.events)} event(s){' - ' + saved.description if saved.description else ''}")
            return
        specs = []
        if options["run_saved"]:
            saved = SavedScenario.objects.filter(name=options["run_saved"]).first()
            if saved is None:
                raise CommandError(f"No saved scenario named {options['run_saved']!r} (see --list-saved).")
            specs.extend(saved.events)
        for option, (kind, level) in EVENT_OPTIONS.items():
            specs.extend({"kind": kind, "level": level, "target": target} for target in options[option])
        if not specs:
            raise CommandError("Name at least one event (e.g. --ban-provider anthropic) or --run-saved NAME.")
        team_ids = None
        if options["team"]:
            teams = dict(Team.objects.filter(slug__in=options["team"]).values_list("slug", "id"))
            unknown = sorted(set(options["team"]) - set(teams))
            if unknown:
                raise CommandError(f"No team {', '.join(unknown)}.")
            team_ids = list(teams.values())
        try:
            events = parse_events(specs)
            if options["save"]:
                scenario_save(name=options["save"], events=specs, description=options["description"])
        except ValidationError as error:
            raise CommandError("; ".join(message for messages in error.message_dict.values() for message in messages)) from None
        result = run_scenario(events, team_ids=team_ids)
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self._print(result)
        if options["save"] and not options["json"]:
            self.stdout.write(self.style.SUCCESS(f"Saved as {options['save']!r}."))

    def _print(self, result):
        write = self.stdout.write
        write("Scenario: " + "; ".join(event["label"] for event in result["events"]))
        summary = result["summary"]
        write(
            f"{summary['dependencies']} dependencies of {summary['teams']} teams hit: "
            f"{summary['covered']} covered, {summary['uncovered']} not covered."
        )
        for team in result["teams"]:
            write("")
            write(f"{team['name']} ({team['slug']})")
            for dependency in team["dependencies"]:
                mark = self.style.SUCCESS("[covered]    ") if dependency["covered"] else self.style.ERROR("[NOT COVERED]")
                write(f"  {mark} {dependency['system']} -> {dependency['offering']} (tier {dependency['criticality']})")
                write(f"                {dependency['reason']}")
                for fallback in dependency["correlated_fallbacks"]:
                    write(self.style.WARNING(
                        f"                Correlated fallback: {fallback['offering']} falls with it"
                        + (f" (tested {fallback['tested_on']})" if fallback["tested_on"] else "")
                    ))
        exposure = result["exposure"]
        change = exposure["after"] - exposure["before"]
        write("")
        write(f"Exposure: before {exposure['before']}, after {exposure['after']} ({change:+d}).")
