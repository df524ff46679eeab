"""Fixtures of the background checks: a loopback HTTP server the outbound guard lets through."""

import pytest


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)


@pytest.fixture(autouse=True)
def allow_loopback_server(settings):
    """Tests talk to servers on 127.0.0.1; tests of the guard itself override this."""
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    settings.OUTBOUND_TOTAL_TIMEOUT = 5.0
    settings.OUTBOUND_READ_TIMEOUT = 2.0
    settings.OUTBOUND_CONNECT_TIMEOUT = 2.0
