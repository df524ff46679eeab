"""The shared catalog: vendors, the edges between them, models, offerings.

Every signed-in user reads it; admins write it. Failure modes live in risks_api.py (a lead may add
a team's own).
"""

import django_filters
from django.db.models import Q
from rest_framework import serializers, viewsets

from riskregister.api.filters import RegisterFilterSet
from riskregister.api.permissions import ReadSignedInWriteAdmin
from vendors.models import AIModel, LifecycleFact, Lifecycle, Offering, OperationalStatus, Vendor, VendorRelationship
from vendors.selectors import current_facts, facts_prefetch, model_worst_case


class StringListField(serializers.ListField):
    child = serializers.CharField(max_length=200)


class VendorSerializer(serializers.ModelSerializer):
    aliases = StringListField(required=False, max_length=100)

    class Meta:
        model = Vendor
        fields = [
            "id", "uuid", "name", "slug", "aliases", "provides_models", "distributes_models",
            "headquarters_country", "website", "description", "minimum_notice_days", "catalog_ids", "created_at", "updated_at",
        ]
        read_only_fields = ["uuid", "created_at", "updated_at"]


class VendorFilter(RegisterFilterSet):
    slug = django_filters.CharFilter()
    headquarters_country = django_filters.CharFilter()
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Vendor
        fields = ["slug", "name", "provides_models", "distributes_models", "headquarters_country"]


class VendorViewSet(viewsets.ModelViewSet):
    """AI companies: providers that train models and distributors that resell them."""
    lookup_value_converter = "int"

    queryset = Vendor.objects.all()
    serializer_class = VendorSerializer
    permission_classes = [ReadSignedInWriteAdmin]
    filterset_class = VendorFilter
    ordering_fields = ["id", "name", "slug", "created_at"]
    ordering = ["name", "id"]


class VendorRelationshipSerializer(serializers.ModelSerializer):
    source = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all(), help_text="Vendor id.")
    target = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all(), help_text="Vendor id.")
    source_slug = serializers.SlugRelatedField(source="source", slug_field="slug", read_only=True)
    target_slug = serializers.SlugRelatedField(source="target", slug_field="slug", read_only=True)

    class Meta:
        model = VendorRelationship
        fields = [
            "id", "uuid", "source", "source_slug", "kind", "target", "target_slug", "evidence", "evidence_url",
            "created_at", "updated_at",
        ]
        read_only_fields = ["uuid", "created_at", "updated_at"]

    def validate(self, attrs):
        source = attrs.get("source", getattr(self.instance, "source", None))
        target = attrs.get("target", getattr(self.instance, "target", None))
        if source is not None and source == target:
            raise serializers.ValidationError({"target": ["A vendor has no relationship with itself."]})
        return attrs


class VendorRelationshipFilter(RegisterFilterSet):
    vendor = django_filters.NumberFilter(method="filter_vendor", label="Either end is this vendor id.")

    class Meta:
        model = VendorRelationship
        fields = ["source", "target", "kind"]

    def filter_vendor(self, queryset, name, value):
        return queryset.filter(Q(source_id=value) | Q(target_id=value))


class VendorRelationshipViewSet(viewsets.ModelViewSet):
    """Typed edges between vendors (invests_in, distributes, owns, partners_with), with evidence."""
    lookup_value_converter = "int"

    queryset = VendorRelationship.objects.select_related("source", "target")
    serializer_class = VendorRelationshipSerializer
    permission_classes = [ReadSignedInWriteAdmin]
    filterset_class = VendorRelationshipFilter
    ordering_fields = ["id", "kind", "created_at"]
    ordering = ["id"]


class LifecycleFactSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source_label", read_only=True)

    class Meta:
        model = LifecycleFact
        fields = ["field", "value", "source_kind", "source", "retrieved_at", "certainty"]
        read_only_fields = fields


def _facts(subject) -> list[dict]:
    return LifecycleFactSerializer(list(current_facts(subject).values()), many=True).data


class AIModelSerializer(serializers.ModelSerializer):
    provider = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all(), help_text="Vendor id of the provider.")
    provider_slug = serializers.SlugRelatedField(source="provider", slug_field="slug", read_only=True)
    aliases = StringListField(required=False, max_length=1000)
    input_modalities = StringListField(required=False, max_length=20)
    output_modalities = StringListField(required=False, max_length=20)
    successor = serializers.PrimaryKeyRelatedField(queryset=AIModel.objects.all(), allow_null=True, required=False)

    class Meta:
        model = AIModel
        fields = [
            "id", "uuid", "provider", "provider_slug", "name", "slug", "aliases", "lifecycle", "deprecation_date",
            "retirement_date", "successor", "open_weights", "export_control_notes",
            "mode", "family", "context_window", "max_output_tokens", "input_modalities", "output_modalities",
            "supports_tool_use", "supports_reasoning", "release_date", "created_at", "updated_at",
        ]
        read_only_fields = ["uuid", "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        worst = model_worst_case(instance)
        # The worst case over every route: distributors retire the same model on their own dates.
        data["worst_case"] = {
            "lifecycle": worst.lifecycle,
            "deprecation_date": worst.deprecation_date.isoformat() if worst.deprecation_date else None,
            "deprecation_offering": worst.deprecation_route.id if worst.deprecation_route else None,
            "retirement_date": worst.retirement_date.isoformat() if worst.retirement_date else None,
            "retirement_offering": worst.retirement_route.id if worst.retirement_route else None,
        }
        data["lifecycle_facts"] = _facts(instance)
        return data


class AIModelFilter(RegisterFilterSet):
    provider_slug = django_filters.CharFilter(field_name="provider__slug")
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = AIModel
        fields = ["provider", "provider_slug", "slug", "lifecycle", "open_weights"]


class AIModelViewSet(viewsets.ModelViewSet):
    """Models of the providers, with their lifecycle and deprecation/retirement dates."""
    lookup_value_converter = "int"

    queryset = AIModel.objects.select_related("provider").prefetch_related("offerings", facts_prefetch())
    serializer_class = AIModelSerializer
    permission_classes = [ReadSignedInWriteAdmin]
    filterset_class = AIModelFilter
    ordering_fields = ["id", "name", "slug", "lifecycle", "retirement_date", "created_at"]
    ordering = ["name", "id"]


class OfferingSerializer(serializers.ModelSerializer):
    model = serializers.PrimaryKeyRelatedField(queryset=AIModel.objects.all(), help_text="AI model id.")
    distributor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all(), help_text="Vendor id of the distributor (the provider itself for its direct API).")
    model_slug = serializers.SlugRelatedField(source="model", slug_field="slug", read_only=True)
    provider = serializers.IntegerField(source="model.provider_id", read_only=True)
    distributor_slug = serializers.SlugRelatedField(source="distributor", slug_field="slug", read_only=True)
    regions = StringListField(required=False, max_length=200)
    successor = serializers.PrimaryKeyRelatedField(queryset=AIModel.objects.all(), allow_null=True, required=False)
    catalog_ids = StringListField(read_only=True)
    safe_until = serializers.SerializerMethodField(help_text="The announced retirement date, else today + the promised notice.")
    notice_days = serializers.IntegerField(read_only=True, allow_null=True)
    lifecycle_facts = serializers.SerializerMethodField(help_text="Where each lifecycle fact came from, when, and how sure.")

    class Meta:
        model = Offering
        fields = [
            "id", "uuid", "model", "model_slug", "provider", "distributor", "distributor_slug", "distributor_model_id",
            "regions", "lifecycle", "status", "status_changed_at", "deprecation_date", "retirement_date", "successor",
            "safe_until", "notice_days", "input_price_per_mtok", "output_price_per_mtok", "catalog_format", "catalog_ids",
            "catalog_listed", "lifecycle_facts", "created_at", "updated_at",
        ]
        read_only_fields = ["uuid", "status_changed_at", "catalog_format", "catalog_listed", "created_at", "updated_at"]

    def get_safe_until(self, offering) -> str | None:
        date = offering.safe_until()
        return date.isoformat() if date else None

    def get_lifecycle_facts(self, offering) -> list[dict]:
        return _facts(offering)


class OfferingFilter(RegisterFilterSet):
    provider = django_filters.NumberFilter(field_name="model__provider")
    provider_slug = django_filters.CharFilter(field_name="model__provider__slug")
    model_slug = django_filters.CharFilter(field_name="model__slug")
    distributor_slug = django_filters.CharFilter(field_name="distributor__slug")
    lifecycle = django_filters.ChoiceFilter(choices=Lifecycle.choices)
    status = django_filters.ChoiceFilter(choices=OperationalStatus.choices)

    class Meta:
        model = Offering
        fields = ["model", "distributor", "distributor_model_id"]


class OfferingViewSet(viewsets.ModelViewSet):
    """One model made available by one distributor, with its lifecycle and operational status."""
    lookup_value_converter = "int"

    queryset = Offering.objects.select_related("model__provider", "distributor").prefetch_related(facts_prefetch())
    serializer_class = OfferingSerializer
    permission_classes = [ReadSignedInWriteAdmin]
    filterset_class = OfferingFilter
    ordering_fields = ["id", "status", "lifecycle", "retirement_date", "created_at"]
    ordering = ["id"]
