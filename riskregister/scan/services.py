"""Writes of the code scan: start a scan of an uploaded zip, and register what a scan found."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError

from riskregister.imports import services as import_services
from riskregister.imports.models import ImportJob
from riskregister.scan.imports import apply_request


def code_scan_start(*, team, content: bytes, filename: str, actor, options: dict | None = None) -> ImportJob:
    """Store the zip and scan it in the background (the `code_scan` import kind)."""
    return import_services.import_job_create(
        kind="code_scan", content=content, filename=filename, team=team, actor=actor, options=options or {}
    )


def code_scan_apply_start(*, scan_job: ImportJob, actor, run_now: bool = False) -> ImportJob:
    """Register the dependencies a finished scan proposed, as a `code_scan_apply` job (in the
    background, or here with `run_now`). Refused unless the scan succeeded and proposed something."""
    if scan_job.kind != "code_scan" or scan_job.status != ImportJob.Status.SUCCEEDED:
        raise ValidationError({"job": ["Only a finished code scan can be applied."]})
    summary = scan_job.summary or {}
    if not summary.get("proposals"):
        raise ValidationError({"job": ["The scan found no model to register."]})
    request = apply_request(
        summary, system=summary["system"], environment=summary["environment"], criticality=summary["criticality"],
        source=scan_job.filename or "an upload",
    )
    create = import_services.import_run_now if run_now else import_services.import_job_create
    return create(
        kind="code_scan_apply", content=json.dumps(request).encode(), filename=f"{scan_job.filename} (apply)"[:255],
        team=scan_job.team, actor=actor, options={},
    )
