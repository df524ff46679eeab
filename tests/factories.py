"""factory-boy factories for every model; tests build only what they need."""

import uuid

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from riskregister.alerts.models import Alert, Delivery, Subscription
from riskregister.risks.models import Dependency, FailureMode, Fallback, Risk
from riskregister.teams.models import Membership, Team
from vendors.models import AIModel, Offering, StatusChange, StatusSource, Vendor, VendorRelationship


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Vendor {n}")
    slug = factory.Sequence(lambda n: f"vendor-{n}")
    provides_models = True
    headquarters_country = "US"


class DistributorFactory(VendorFactory):
    provides_models = False
    distributes_models = True


class VendorRelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorRelationship

    source = factory.SubFactory(DistributorFactory)
    target = factory.SubFactory(VendorFactory)
    kind = VendorRelationship.Kind.DISTRIBUTES


class AIModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AIModel
        django_get_or_create = ["slug"]

    provider = factory.SubFactory(VendorFactory)
    name = factory.Sequence(lambda n: f"Model {n}")
    slug = factory.Sequence(lambda n: f"model-{n}")


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    model = factory.SubFactory(AIModelFactory)
    distributor = factory.LazyAttribute(lambda offering: offering.model.provider)
    distributor_model_id = factory.LazyAttribute(lambda offering: offering.model.slug)
    status = "operational"


class StatusSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusSource

    name = factory.Sequence(lambda n: f"Source {n}")
    kind = "statuspage"
    url = "https://status.example.com/api/v2/summary.json"


class StatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusChange

    batch = factory.LazyFunction(uuid.uuid4)
    kind = StatusChange.Kind.STATUS
    severity = StatusChange.Severity.MAJOR
    title = factory.Sequence(lambda n: f"Change {n}")
    observed_at = factory.LazyFunction(timezone.now)
    dedupe_key = factory.Sequence(lambda n: f"test-change-{n}")


class DependencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dependency

    team = factory.SubFactory(TeamFactory)
    system = factory.Sequence(lambda n: f"service-{n}")
    offering = factory.SubFactory(OfferingFactory)
    environment = "production"
    criticality = 2


class FallbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fallback

    dependency = factory.SubFactory(DependencyFactory)
    offering = factory.SubFactory(OfferingFactory)
    tested_on = factory.LazyFunction(lambda: timezone.localdate())


class FailureModeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FailureMode
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"failure-mode-{n}")
    name = factory.Sequence(lambda n: f"Failure mode {n}")
    level = FailureMode.Level.PROVIDER
    default_likelihood = 3
    default_impact = 4


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    dependency = factory.SubFactory(DependencyFactory)
    failure_mode = factory.SubFactory(FailureModeFactory)
    inherent_likelihood = 3
    inherent_impact = 4
    residual_likelihood = 3
    residual_impact = 4


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    team = factory.SubFactory(TeamFactory)


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    kind = Alert.Kind.CHANGE
    team = factory.SubFactory(TeamFactory)
    dedupe_key = factory.Sequence(lambda n: f"test-alert-{n}")
    subject = "Test alert"
    body_text = "Something changed."



class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    alert = factory.SubFactory(AlertFactory)
    target = factory.Sequence(lambda n: f"recipient-{n}@example.com")