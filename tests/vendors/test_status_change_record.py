import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from tests.factories import AIModelFactory, OfferingFactory, UserFactory, VendorFactory
from vendors.models import StatusChange
from vendors.recording import status_change_record
from vendors.signals import changes_recorded

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    batches = []

    def receiver(sender, batch, **kwargs):
        batches.append(batch)

    changes_recorded.connect(receiver, weak=False)
    yield batches
    changes_recorded.disconnect(receiver)


def test_status_change_updates_offering_and_reads_previous_value_from_it():
    offering = OfferingFactory(status="operational")
    change = status_change_record(
        kind="status", title="API down", severity="major", offering=offering, current_value="major_outage",
        raw_value="major_outage",
    )
    offering.refresh_from_db()
    assert change.previous_value == "operational"
    assert offering.status == "major_outage"
    assert offering.status_changed_at == change.observed_at


def test_same_dedupe_key_is_stored_once():
    offering = OfferingFactory()
    first = status_change_record(kind="status", title="x", severity="major", offering=offering,
                                 current_value="major_outage", dedupe_key="k1")
    second = status_change_record(kind="status", title="x", severity="major", offering=offering,
                                  current_value="major_outage", dedupe_key="k1")
    assert first is not None and second is None
    assert StatusChange.objects.filter(dedupe_key="k1").count() == 1


def test_manual_ban_of_model_sets_lifecycle_and_keeps_who_recorded_it():
    model = AIModelFactory(lifecycle="active")
    user = UserFactory()
    change = status_change_record(kind="lifecycle", title="Banned by export control", severity="critical",
                                  model=model, current_value="banned", recorded_by=user)
    model.refresh_from_db()
    assert model.lifecycle == "banned"
    assert change.source_id is None and change.recorded_by == user and change.previous_value == "active"


def test_ban_of_provider_vendor_bans_its_models_and_lifting_it_restores_them():
    # A provider has no lifecycle of its own: its ban withdraws every model it makes, so pages and
    # the API show the ban (issue 10: it used to leave them "active").
    vendor = VendorFactory(provides_models=True)
    model = AIModelFactory(provider=vendor, lifecycle="active")
    retired = AIModelFactory(provider=vendor, lifecycle="deprecated")
    change = status_change_record(kind="lifecycle", title="Provider banned", severity="critical", vendor=vendor,
                                  current_value="banned")
    model.refresh_from_db(), retired.refresh_from_db()
    assert change.vendor == vendor and change.previous_value == "active"
    assert (model.lifecycle, retired.lifecycle) == ("banned", "banned")

    lifted = status_change_record(kind="lifecycle", title="Ban lifted", severity="info", vendor=vendor,
                                  current_value="active")
    model.refresh_from_db()
    assert lifted.previous_value == "banned" and model.lifecycle == "active"


def test_deprecation_change_sets_the_named_date_field():
    model = AIModelFactory()
    status_change_record(kind="deprecation", title="Retires", severity="minor", model=model,
                         current_value="2027-01-31", details={"field": "retirement_date"})
    model.refresh_from_db()
    assert model.retirement_date == dt.date(2027, 1, 31) and model.deprecation_date is None


def test_unknown_status_value_is_stored_as_unknown_on_the_offering():
    offering = OfferingFactory(status="operational")
    status_change_record(kind="status", title="?", severity="info", offering=offering, current_value="wobbly")
    offering.refresh_from_db()
    assert offering.status == "unknown"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({}, "subject"),
        ({"kind": "nonsense"}, "kind"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"title": "  "}, "title"),
    ],
)
def test_bad_entries_are_refused_naming_the_field(fields, field):
    offering = OfferingFactory()
    arguments = {"kind": "status", "title": "t", "severity": "info", "offering": offering, **fields}
    if field == "subject":
        arguments["vendor"] = offering.distributor
    with pytest.raises(ValidationError) as error:
        status_change_record(**arguments)
    assert field in error.value.message_dict


def test_signal_is_sent_after_commit_and_not_on_rollback(announced, django_capture_on_commit_callbacks):
    offering = OfferingFactory()
    batch = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        status_change_record(kind="status", title="down", severity="major", offering=offering,
                             current_value="major_outage", batch=batch)
    assert announced == [batch]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                status_change_record(kind="status", title="down again", severity="major", offering=offering,
                                     current_value="partial_outage")
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert callbacks == [] and announced == [batch]
    offering.refresh_from_db()
    assert offering.status == "major_outage"


def test_a_lifted_provider_ban_returns_each_model_to_its_own_lifecycle():
    vendor = VendorFactory(provides_models=True)
    active = AIModelFactory(provider=vendor, lifecycle="active")
    deprecated = AIModelFactory(provider=vendor, lifecycle="deprecated")
    retired = AIModelFactory(provider=vendor, lifecycle="retired")
    status_change_record(kind="lifecycle", title="Provider banned", severity="critical", vendor=vendor,
                         current_value="banned")
    for model in (active, deprecated, retired):
        model.refresh_from_db()
    assert {m.lifecycle for m in (active, deprecated, retired)} == {"banned"}

    status_change_record(kind="lifecycle", title="Ban lifted", severity="info", vendor=vendor, current_value="active")
    for model in (active, deprecated, retired):
        model.refresh_from_db()
    assert (active.lifecycle, deprecated.lifecycle, retired.lifecycle) == ("active", "deprecated", "retired")
    assert {m.lifecycle_before_withdrawal for m in (active, deprecated, retired)} == {""}


@pytest.mark.parametrize("before", ["deprecated", "retired"])
def test_a_lifted_ban_of_a_model_returns_it_to_its_lifecycle_before_the_ban(before):
    from vendors.models import LifecycleFact
    from vendors.recording import manual_change_record

    model = AIModelFactory(lifecycle=before)
    manual_change_record(kind="lifecycle", value="banned", model=model, title="export-control ban")
    model.refresh_from_db()
    assert model.lifecycle == "banned"

    lifted = manual_change_record(kind="lifecycle", value="active", model=model, title="export-control ban lifted")
    model.refresh_from_db()
    # The change says what happened (the ban ended); the model is what it was before.
    assert (lifted.previous_value, lifted.current_value) == ("banned", "active")
    assert model.lifecycle == before
    assert LifecycleFact.objects.filter(change=lifted).get().value == before


def test_a_rule_banning_a_deprecated_route_is_lifted_back_to_deprecated():
    from vendors.recording import manual_change_record

    offering = OfferingFactory(lifecycle="deprecated")
    status_change_record(kind="regulatory", title="Rule naming it", severity="critical", offering=offering,
                         current_value="Rule", details={"type": "Rule"})
    offering.refresh_from_db()
    assert (offering.lifecycle, offering.lifecycle_before_withdrawal) == ("banned", "deprecated")
    manual_change_record(kind="lifecycle", value="active", offering=offering, title="rule withdrawn")
    offering.refresh_from_db()
    assert offering.lifecycle == "deprecated"


def test_a_lift_naming_another_lifecycle_is_taken_at_its_word():
    model = AIModelFactory(lifecycle="active")
    status_change_record(kind="lifecycle", title="banned", severity="critical", model=model, current_value="banned")
    status_change_record(kind="lifecycle", title="lifted, deprecated", severity="minor", model=model,
                         current_value="deprecated")
    model.refresh_from_db()
    assert model.lifecycle == "deprecated"
