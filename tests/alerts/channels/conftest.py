import pytest

from tests.alerts.channels.receivers import Receiver


@pytest.fixture
def channel_settings(settings):
    """The channels may post to loopback (their own allow-list; the sources' does not apply)."""
    settings.CHANNEL_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = []
    settings.SITE_URL = "https://risk.example.com"
    return settings


@pytest.fixture
def receivers():
    started: list[Receiver] = []

    def start(**kwargs) -> Receiver:
        receiver = Receiver(**kwargs).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()
