from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from riskregister.risks import services
from riskregister.risks.models import Assessment, Dependency, FailureMode, Fallback, Risk, SavedScenario


class FallbackInline(admin.TabularInline):
    model = Fallback
    extra = 0
    autocomplete_fields = ["offering"]


class RiskInline(admin.TabularInline):
    model = Risk
    extra = 0
    fields = [
        "failure_mode", "inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact",
        "treatment", "status", "next_review_date",
    ]
    autocomplete_fields = ["failure_mode"]
    show_change_link = True


class DependencyAdminForm(forms.ModelForm):
    class Meta:
        model = Dependency
        fields = "__all__"

    def clean(self):
        data = super().clean()
        team, owner = data.get("team"), data.get("owner")
        if team is not None and owner is not None and {"team", "owner"} & set(self.changed_data):
            try:
                services.dependency_owner_check(team=team, owner=owner)
            except ValidationError as error:
                self.add_error("owner", error.message_dict["owner"])
        return data


@admin.register(Dependency)
class DependencyAdmin(SimpleHistoryAdmin):
    form = DependencyAdminForm
    list_display = ["system", "team", "offering", "environment", "criticality", "data_classification", "owner"]
    list_filter = ["team", "environment", "criticality", "data_classification", "offering__distributor"]
    search_fields = ["system", "description", "offering__model__name", "offering__distributor_model_id"]
    autocomplete_fields = ["team", "offering", "owner"]
    list_select_related = ["team", "offering__model", "offering__distributor", "owner"]
    inlines = [FallbackInline, RiskInline]


@admin.register(Fallback)
class FallbackAdmin(admin.ModelAdmin):
    list_display = ["dependency", "offering", "tested_on"]
    search_fields = ["dependency__system", "offering__model__name"]
    autocomplete_fields = ["dependency", "offering"]
    list_select_related = ["dependency__offering__model", "dependency__offering__distributor", "offering__model", "offering__distributor"]


@admin.register(FailureMode)
class FailureModeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "level", "default_likelihood", "default_impact", "team"]
    list_filter = ["level", "team"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


class AssessmentInline(admin.TabularInline):
    model = Assessment
    extra = 0
    can_delete = False
    fields = ["assessed_at", "assessor", "inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact", "treatment", "status", "band", "rationale"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):
    list_display = [
        "failure_mode", "dependency", "inherent_likelihood", "inherent_impact", "residual_likelihood",
        "residual_impact", "treatment", "status", "next_review_date",
    ]
    list_filter = ["status", "treatment", "failure_mode", "dependency__team"]
    search_fields = ["dependency__system", "failure_mode__name", "mitigation"]
    autocomplete_fields = ["dependency", "failure_mode", "owner"]
    list_select_related = ["failure_mode", "dependency__offering__model", "dependency__offering__distributor"]
    inlines = [AssessmentInline]


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    """Assessments are append-only: the admin shows them and never changes or deletes them."""

    list_display = ["risk", "assessor", "assessed_at", "band", "treatment", "status"]
    list_filter = ["band", "treatment", "status"]
    search_fields = ["rationale", "risk__dependency__system"]
    list_select_related = ["risk__failure_mode", "risk__dependency__offering__model", "risk__dependency__offering__distributor", "assessor"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SavedScenario)
class SavedScenarioAdmin(admin.ModelAdmin):
    list_display = ["name", "created_by", "updated_at"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_by"]
