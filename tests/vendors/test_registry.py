"""One registry style for source kinds and alert channels: `kind -> class`, a duplicate is an error."""

import pytest
from django.core.exceptions import ValidationError

from riskregister.alerts.channels import Channel, channels, get_channel
from riskregister.alerts.channels.email import EmailChannel
from riskregister.alerts.models import Subscription
from vendors.registry import Registry
from vendors.sources import get_kind, source_kinds
from vendors.sources.base import SourceKind
from vendors.sources.statuspage import StatuspageKind


def test_a_second_class_for_a_kind_is_refused_in_both_registries():
    class AnotherStatuspage(SourceKind):
        kind = "statuspage"
        label = "impostor"

    class AnotherEmail(Channel):
        kind = "email"
        label = "impostor"

    with pytest.raises(ValueError, match="registered twice"):
        source_kinds.register(AnotherStatuspage)
    with pytest.raises(ValueError, match="registered twice"):
        channels.register(AnotherEmail)
    assert isinstance(get_kind("statuspage"), StatuspageKind)
    assert isinstance(get_channel("email"), EmailChannel)


def test_registering_the_same_class_again_is_harmless_and_a_class_without_a_kind_is_refused():
    registry = Registry("thing")

    class Thing:
        kind = "thing"

    class Nameless:
        kind = ""

    assert registry.register(Thing) is Thing and registry.register(Thing) is Thing
    assert registry.items() == [("thing", Thing)]
    with pytest.raises(ValueError, match="names no thing kind"):
        registry.register(Nameless)
    with pytest.raises(LookupError, match="Unknown thing 'other'"):
        registry.get("other")


def test_model_fields_take_their_choices_from_the_registries():
    assert ("email", "email") in Subscription._meta.get_field("channel").choices
    assert [kind for kind, _ in channels.choices()] == list(channels)


@pytest.mark.django_db
def test_a_source_of_an_unregistered_kind_is_refused(db):
    from vendors.models import StatusSource

    source = StatusSource(name="x", kind="carrier_pigeon", url="https://status.example.com/")
    with pytest.raises(ValidationError) as excinfo:
        source.full_clean()
    assert "kind" in excinfo.value.message_dict
