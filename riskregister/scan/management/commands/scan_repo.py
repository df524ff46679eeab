"""`manage.py scan_repo PATH --team SLUG [--apply]`: find the AI models a source tree uses.

Prints each dependency the scan proposes, with the file and line of every finding and how sure it
is; `--apply` registers them all (or none: one import job, riskregister/scan/imports.py). Nothing in
the tree is run; symbolic links are not followed; vendored, generated and binary files are skipped.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from riskregister.imports.services import import_run_now
from riskregister.risks.models import Criticality, Environment
from riskregister.scan.catalog import catalog_index
from riskregister.scan.imports import apply_request, clean_target, limits
from riskregister.scan.plan import build_plan
from riskregister.scan.scanner import scan_tree
from riskregister.teams.models import Team

SHOWN_LOCATIONS = 10


class Command(BaseCommand):
    help = "Scan a source tree for AI SDKs and model ids; print (or with --apply register) the dependencies found."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The folder to scan.")
        parser.add_argument("--team", required=True, help="The team's slug.")
        parser.add_argument("--apply", action="store_true", help="Register the dependencies (all or nothing).")
        parser.add_argument("--system", default="", help="The service's name (default: the folder's name).")
        parser.add_argument("--environment", choices=Environment.values, default=Environment.PRODUCTION)
        parser.add_argument("--criticality", type=int, choices=Criticality.values, default=Criticality.TIER_3)
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the findings as JSON.")

    def handle(self, *args, path, team, apply=False, system="", environment=Environment.PRODUCTION,
               criticality=Criticality.TIER_3, as_json=False, **options):
        found_team = Team.objects.filter(slug=team).first()
        if found_team is None:
            raise CommandError(f"No team {team!r}.")
        root = Path(path)
        if not root.is_dir():
            raise CommandError(f"{path} is not a folder.")
        try:
            target = clean_target({"system": system, "environment": environment, "criticality": criticality})
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        system = target.get("system") or root.resolve().name or "scanned-code"
        started = time.perf_counter()
        result = scan_tree(root, catalog_index(), limits=limits())
        plan = build_plan(result.findings).as_json()
        elapsed = time.perf_counter() - started
        if as_json:
            self.stdout.write(json.dumps({"system": system, **result.tally.as_json(), **plan}, indent=2))
        else:
            self._print(plan, result.tally.as_json(), system=system, team=found_team, elapsed=elapsed, applying=apply)
        if not apply:
            return
        if not plan["proposals"]:
            self.stdout.write("Nothing to register.")
            return
        request = apply_request(plan, system=system, environment=target["environment"], criticality=target["criticality"],
                                source=str(root))
        job = import_run_now(kind="code_scan_apply", content=_dumps(request), filename=f"scan of {root}"[:255],
                             team=found_team, actor=None)
        if job.status != job.Status.SUCCEEDED:
            for issue in job.issues:
                self.stderr.write(f"  {issue['where']}: {issue['message']}")
            raise CommandError("Nothing was registered.")
        summary = job.summary
        self.stdout.write(self.style.SUCCESS(
            f"Registered {summary['created']} dependencies ({summary['risks']} proposed risks); "
            f"{summary['skipped']} already registered and skipped."
        ))

    def _print(self, plan: dict, tally: dict, *, system: str, team, elapsed: float, applying: bool) -> None:
        skipped = ", ".join(f"{count} {reason}" for reason, count in tally["skipped"].items()) or "none"
        self.stdout.write(f"Scanned {tally['files_read']} files in {elapsed:.2f} s (skipped: {skipped})"
                          + (" — stopped at the file cap" if tally["truncated"] else "") + ".")
        proposals = plan["proposals"]
        verb = "Registering" if applying else "Would register"
        self.stdout.write(f"{verb} {len(proposals)} dependencies of {system!r} for team {team.slug}:" if proposals
                          else "No model id of the catalog was found.")
        for proposal in proposals:
            self.stdout.write(f"  {proposal['label']} [{proposal['distributor_model_id']}] — {proposal['confidence']} "
                              f"({proposal['score']:.2f}): {'; '.join(proposal['why']) or 'a model id of the catalog'}")
            for finding in proposal["findings"][:SHOWN_LOCATIONS]:
                self.stdout.write(f"      {finding['location']}  {finding['value']} ({finding['how']}, {finding['score']:.2f})")
            if proposal["count"] > SHOWN_LOCATIONS:
                self.stdout.write(f"      … {proposal['count'] - SHOWN_LOCATIONS} more")
        if plan["sdk_only"]:
            self.stdout.write(f"SDK use without a model id in the same file ({plan['sdk_only_count']}):")
            for finding in plan["sdk_only"][:50]:
                self.stdout.write(f"  {finding['location']}  {finding['value']} ({finding['how']})")
        if proposals and not applying:
            self.stdout.write("Run again with --apply to register them.")


def _dumps(value) -> bytes:
    return json.dumps(value).encode()
