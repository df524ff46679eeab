"""The model catalog as an import kind: an admin uploads a models-dev or LiteLLM file (the admin's
"Import a catalog" page, or `POST /api/v1/catalog/imports/`), a worker imports it as any import job.

The rules are vendors/catalog's, the same as `manage.py import_catalog` at the shell: the worker only
adds the job around them (claim, progress, all or nothing, the outcome kept on the job).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from riskregister.imports.kinds import ImportKind, ImportRefused, register
from riskregister.teams.access import is_admin
from vendors import catalog
from vendors.catalog import CatalogFileError

# How many names of each list (models added, unplaced entries, ...) the job's summary keeps; the
# counts are always complete.
SUMMARY_LINES = 200


@register
class CatalogUpload(ImportKind):
    kind = "catalog"
    label = "Model catalog (models-dev or LiteLLM)"
    needs_team = False

    @property
    def max_bytes(self) -> int:
        return catalog.MAX_CATALOG_BYTES

    def may_start(self, *, actor, team) -> bool:
        return actor is None or is_admin(actor)

    def clean_options(self, options: dict) -> dict:
        format = options.get("format") or catalog.MODELS_DEV
        if format not in catalog.FORMATS:
            raise ValidationError({"format": [f"One of {', '.join(catalog.FORMATS)}."]})
        return {"format": format}

    def validate(self, *, job, content: bytes, progress):
        try:
            data = catalog.decode(content)
        except CatalogFileError as error:
            raise ImportRefused.file(str(error)) from None
        return data, catalog.digest_label(job.options["format"], content)

    def apply(self, *, job, plan, progress) -> dict:
        data, label = plan
        try:
            report = catalog.catalog_import(data=data, format=job.options["format"], catalog=label, progress=progress)
        except ValueError as error:  # a file of the other format, or not a catalog at all
            raise ImportRefused.file(str(error)) from None
        summary = report.as_dict()
        for key, value in list(summary.items()):
            if isinstance(value, list):
                summary[f"{key}_count"] = len(value)
                summary[key] = value[:SUMMARY_LINES]
        summary["lines"] = report.summary_lines()
        return summary
