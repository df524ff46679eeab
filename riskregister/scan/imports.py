"""The code scan as import jobs (riskregister/imports/kinds.py), in two steps a lead can look between:

- `code_scan`: the upload is a zip of a source tree. The worker checks the archive (archive.py:
  a bomb or a member outside the tree refuses it whole), scans it and keeps the findings and the
  proposed dependencies on the job; it writes no dependency.
- `code_scan_apply`: registers the proposals of a finished scan (or of `manage.py scan_repo
  --apply`) through risks.services.dependencies_create_bulk, all or nothing; one already
  registered is skipped, so applying twice creates nothing the second time.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError

from riskregister.imports.kinds import ImportKind, ImportRefused, Issue, register
from riskregister.risks.imports import dependencies_write
from riskregister.risks.models import Criticality, DataClassification, Environment
from riskregister.scan.archive import ArchiveRefused
from riskregister.scan.catalog import catalog_index
from riskregister.scan.files import Limits
from riskregister.scan.plan import build_plan
from riskregister.scan.scanner import scan_archive
from vendors.models import Offering

DESCRIPTION_LOCATIONS = 5


def limits() -> Limits:
    return Limits(
        max_file_bytes=settings.SCAN_MAX_FILE_BYTES,
        max_files=settings.SCAN_MAX_FILES,
        max_total_bytes=settings.SCAN_MAX_UNPACKED_BYTES,
        max_ratio=settings.SCAN_MAX_RATIO,
    )


def clean_target(options: dict) -> dict:
    """Where found dependencies go: the service's name, environment and tier."""
    cleaned = {}
    system = options.get("system") or ""
    if not isinstance(system, str) or len(system.strip()) > 200:
        raise ValidationError({"system": ["A service name of at most 200 characters."]})
    if system.strip():
        cleaned["system"] = system.strip()
    environment = options.get("environment") or Environment.PRODUCTION
    if environment not in Environment.values:
        raise ValidationError({"environment": [f"One of {', '.join(Environment.values)}."]})
    cleaned["environment"] = environment
    criticality = options.get("criticality") or Criticality.TIER_3
    try:
        criticality = int(criticality)
    except (TypeError, ValueError):
        criticality = 0
    if criticality not in Criticality.values:
        raise ValidationError({"criticality": ["A tier from 1 (most critical) to 4."]})
    cleaned["criticality"] = criticality
    return cleaned


def system_name(options: dict, filename: str) -> str:
    if options.get("system"):
        return options["system"]
    stem = (filename or "").rsplit("/", 1)[-1]
    stem = stem[:-4] if stem.lower().endswith(".zip") else stem
    return (stem.strip() or "scanned-code")[:200]


def apply_request(plan: dict, *, system: str, environment: str, criticality: int, source: str) -> dict:
    """What a `code_scan_apply` job is given: each proposal's offering, and a description that says
    where in the code it was found (locations only: no text of the file)."""
    dependencies = []
    for proposal in plan.get("proposals", []):
        locations = [finding["location"] for finding in proposal.get("findings", [])][:DESCRIPTION_LOCATIONS]
        more = proposal.get("count", len(locations)) - len(locations)
        description = f"Found by a code scan of {source} ({proposal['confidence']} confidence): " + ", ".join(locations)
        if more > 0:
            description += f" and {more} more"
        dependencies.append({"offering": proposal["offering"], "label": proposal["label"], "description": description[:2000]})
    return {"system": system, "environment": environment, "criticality": criticality, "dependencies": dependencies}


@register
class CodeScan(ImportKind):
    kind = "code_scan"
    label = "Code scan (zip)"

    @property
    def max_bytes(self) -> int:
        return settings.SCAN_MAX_UPLOAD_BYTES

    def clean_options(self, options: dict) -> dict:
        return clean_target(options)

    def validate(self, *, job, content: bytes, progress):
        try:
            result = scan_archive(content, catalog_index(), limits=limits(), progress=progress)
        except ArchiveRefused as refused:
            raise ImportRefused.file(str(refused)) from None
        return build_plan(result.findings).as_json(), result.tally.as_json()

    def apply(self, *, job, plan, progress) -> dict:
        found, tally = plan
        return {
            "scan": True,
            "system": system_name(job.options, job.filename),
            "environment": job.options.get("environment", Environment.PRODUCTION),
            "criticality": job.options.get("criticality", Criticality.TIER_3),
            "proposal_count": len(found["proposals"]),
            **tally,
            **found,
        }


@register
class CodeScanApply(ImportKind):
    kind = "code_scan_apply"
    label = "Code scan: register what it found"

    def validate(self, *, job, content: bytes, progress):
        try:
            request = json.loads(content)
            target = clean_target(request)
            wanted = [(str(item["label"]), int(item["offering"]), str(item.get("description", ""))) for item in request["dependencies"]]
            system = str(request["system"]).strip()[:200]
        except (ValueError, TypeError, KeyError, AttributeError):
            raise ImportRefused.file("Not the findings of a code scan.") from None
        if not system:
            raise ImportRefused.file("The findings name no service.")
        offerings = Offering.objects.select_related("model", "distributor").in_bulk([pk for _, pk, _ in wanted])
        issues, specs = [], []
        owner = job.created_by if job.created_by_id and job.team.memberships.filter(user_id=job.created_by_id).exists() else None
        for number, (label, pk, description) in enumerate(wanted, start=1):
            offering = offerings.get(pk)
            if offering is None:
                issues.append(Issue(label, "this route is no longer in the catalog"))
                continue
            specs.append((label, {
                "system": system, "offering": offering, "environment": target["environment"],
                "criticality": target["criticality"], "data_classification": DataClassification.INTERNAL,
                "description": description, "owner": owner, "fallbacks": [],
            }))
            progress(number, len(wanted))
        if issues:
            raise ImportRefused(issues, summary={"rows": len(wanted)})
        return specs

    def apply(self, *, job, plan, progress) -> dict:
        return dependencies_write(team=job.team, resolved=plan, actor=job.created_by)
