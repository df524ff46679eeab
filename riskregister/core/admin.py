from django.contrib import admin

from riskregister.core.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker", "beat_at", "started_at"]
    readonly_fields = ["worker", "beat_at", "started_at", "boot_id"]
