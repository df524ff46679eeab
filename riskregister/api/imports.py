"""Import jobs through the API: the same jobs as an upload on the team's page.

`POST /api/v1/teams/{slug}/imports/` takes the file (multipart `file`, or the text as `content` in
JSON) and answers 202 with the queued job; `GET /api/v1/import-jobs/{id}/` follows it. Whoever may
read the team reads its jobs; another team's job is not found. A code scan (kind `code_scan`, a zip
sent as multipart `file`) only finds; `POST /api/v1/import-jobs/{id}/apply/` registers what it found,
as another job.
"""

from django.conf import settings
from django.db.models import Q
from drf_spectacular.utils import extend_schema
from django.core.exceptions import ValidationError
from rest_framework import generics, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from riskregister.api.permissions import SignedIn
from riskregister.imports import services
from riskregister.imports.models import ImportJob
from riskregister.risks.models import Criticality, Environment
from riskregister.scan import services as scan_services
from riskregister.teams.access import can_edit_team, get_visible_team_or_404, is_admin, member_team_ids, sees_all_teams

# The kinds a team's upload may start here; site-wide kinds (the catalog) get their own endpoint.
TEAM_KINDS = ["dependencies_csv", "dependencies_cyclonedx", "code_scan"]


class ImportJobSerializer(serializers.ModelSerializer):
    # A site-wide job (the catalog) has no team; a job started at the shell has no user.
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = ImportJob
        fields = [
            "id", "uuid", "kind", "status", "stage", "team", "created_by", "filename", "size", "options",
            "progress_done", "progress_total", "summary", "issues", "attempts", "created_at", "started_at", "finished_at",
        ]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TEAM_KINDS)
    file = serializers.FileField(required=False, help_text="The file (multipart).")
    content = serializers.CharField(required=False, trim_whitespace=False, help_text="Or its text (JSON bodies).")
    filename = serializers.CharField(required=False, max_length=255, default="")
    system = serializers.CharField(required=False, max_length=200, default="",
                                   help_text="For an AI-BOM without metadata.component; for a code scan, the service's name.")
    environment = serializers.ChoiceField(choices=Environment.values, default=Environment.PRODUCTION,
                                          help_text="For a code scan: the environment of what it finds.")
    criticality = serializers.ChoiceField(choices=Criticality.values, default=Criticality.TIER_3,
                                          help_text="For a code scan: the tier of what it finds.")

    def validate(self, attrs):
        if ("file" in attrs) == ("content" in attrs):
            raise serializers.ValidationError({"file": ["Send the file, or its text as content (one of them)."]})
        return attrs


class TeamImportCreateView(generics.GenericAPIView):
    """Start an import of the team's dependencies; only the team's leads and admins may."""

    permission_classes = [SignedIn]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = ImportUploadSerializer

    @extend_schema(request=ImportUploadSerializer, responses={202: ImportJobSerializer}, summary="Start an import job")
    def post(self, request, slug: str):
        team = get_visible_team_or_404(request.user, slug)
        if not can_edit_team(request.user, team.pk):
            raise PermissionDenied("Only the team's leads and admins import its dependencies.")
        upload = self.get_serializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        if "file" in data:
            content = data["file"].read(max(settings.IMPORT_MAX_BYTES, settings.SCAN_MAX_UPLOAD_BYTES) + 1)
            filename = data["filename"] or data["file"].name
        else:
            content, filename = data["content"].encode(), data["filename"]
        options = {"system": data["system"]} if data["kind"] == "dependencies_cyclonedx" else {}
        if data["kind"] == "code_scan":
            options = {key: data[key] for key in ("system", "environment", "criticality")}
        job = services.import_job_create(
            kind=data["kind"], content=content, filename=filename, team=team, actor=request.user, options=options
        )
        response = Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/import-jobs/{job.pk}/"
        return response


class ImportJobViewSet(viewsets.ReadOnlyModelViewSet):
    """Import jobs of the caller's teams (every team's for reviewers and admins; site-wide ones for admins)."""

    serializer_class = ImportJobSerializer
    permission_classes = [SignedIn]
    filterset_fields = ["status", "kind"]
    ordering_fields = ["id", "created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        user = self.request.user
        jobs = ImportJob.objects.defer("content").select_related("team", "created_by")
        if is_admin(user):
            return jobs
        if sees_all_teams(user):
            return jobs.filter(team__isnull=False)
        return jobs.filter(Q(team__in=member_team_ids(user)))

    @extend_schema(request=None, responses={202: ImportJobSerializer}, summary="Register what a code scan found")
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        """Register the dependencies a finished code scan proposed, as a new job; the team's leads and admins only."""
        scan_job = self.get_object()
        if scan_job.team_id is None or not can_edit_team(request.user, scan_job.team_id):
            raise PermissionDenied("Only the team's leads and admins register its dependencies.")
        try:
            job = scan_services.code_scan_apply_start(scan_job=scan_job, actor=request.user)
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        response = Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/import-jobs/{job.pk}/"
        return response
