from django.contrib import admin

from riskregister.imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: jobs are made by uploads and written by workers."""

    list_display = ["created_at", "kind", "team", "created_by", "filename", "status", "progress_done", "progress_total"]
    list_filter = ["status", "kind"]
    search_fields = ["filename", "team__slug", "created_by__username"]
    exclude = ["content"]
    readonly_fields = [
        "uuid", "kind", "status", "stage", "team", "created_by", "filename", "size", "options", "progress_done",
        "progress_total", "summary", "issues", "attempts", "started_at", "finished_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content").select_related("team", "created_by")
