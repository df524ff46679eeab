"""A real SMTP server on loopback (aiosmtpd), and a small world of vendors and teams to alert."""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from riskregister.alerts.models import Subscription
from tests.factories import (
    AIModelFactory,
    DependencyFactory,
    DistributorFactory,
    FallbackFactory,
    MembershipFactory,
    OfferingFactory,
    SubscriptionFactory,
    TeamFactory,
    UserFactory,
    VendorFactory,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    recipients: list[str]
    message: object

    @property
    def subject(self) -> str:
        # Python folds a long encoded subject onto a continuation line; readers drop the fold.
        return str(self.message["subject"]).strip()

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                return part.get_content()
        raise AssertionError(f"no {content_type} part")


@dataclass
class MailHandler:
    """Accepts mail, or answers with the scripted replies first ("451 ..." at DATA, "550 ..." at RCPT;
    `rcpt_by_address` scripts the replies to one address at RCPT while the others are accepted)."""

    data_replies: list[str] = field(default_factory=list)
    rcpt_replies: list[str] = field(default_factory=list)
    rcpt_by_address: dict[str, list[str]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    refused: int = 0
    # While set, DATA is held unanswered (a send in flight); what was held is then dropped, as a
    # server does with the message of a client that vanished before the end of DATA.
    hold: threading.Event = field(default_factory=threading.Event)
    held: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            scripted = self.rcpt_by_address.get(address)
            if scripted:
                self.refused += 1
                # A last 5xx reply stays (the address is refused for good); 4xx replies run out.
                return scripted.pop(0) if len(scripted) > 1 or scripted[0].startswith("4") else scripted[0]
            if self.rcpt_replies:
                self.refused += 1
                return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hold.is_set():
            with self.lock:
                self.held += 1
            while self.hold.is_set():
                await asyncio.sleep(0.05)
            return "421 4.4.2 Connection dropped"
        with self.lock:
            if self.data_replies:
                self.refused += 1
                return self.data_replies.pop(0)
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
            )
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.handler = MailHandler()
        self.controller: Controller | None = None

    def start(self) -> SMTPServer:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def smtp_settings(settings, smtp_port):
    """Django's SMTP backend pointed at a loopback port (with or without a server on it)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_port
    settings.EMAIL_TIMEOUT = 5
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.SITE_URL = "https://risk.example.com"
    return settings


@pytest.fixture
def smtp_server(smtp_settings, smtp_port):
    server = SMTPServer(smtp_port).start()
    yield server
    server.stop()


@dataclass
class World:
    fable_labs: object
    bedrock: object
    other_provider: object
    fable: object
    fable_direct: object
    fable_bedrock: object
    other_direct: object
    platform: object
    search: object
    billing: object
    platform_members: list
    search_members: list
    platform_deps: list = field(default_factory=list)


@pytest.fixture
def world(db):
    """Fable Labs makes Claude Fable 5, served directly and through Bedrock. Platform depends on it
    three times (one with a fallback on another provider, one with a correlated fallback), Search
    once, Billing only on another provider's model."""
    fable_labs = VendorFactory(name="Fable Labs", slug="fable-labs", provides_models=True)
    bedrock = DistributorFactory(name="Bedrock", slug="bedrock")
    other_provider = VendorFactory(name="Other AI", slug="other-ai", provides_models=True)
    fable = AIModelFactory(name="Claude Fable 5", slug="claude-fable-5", provider=fable_labs)
    other = AIModelFactory(name="Other 2", slug="other-2", provider=other_provider)
    fable_direct = OfferingFactory(model=fable, distributor=fable_labs)
    fable_bedrock = OfferingFactory(model=fable, distributor=bedrock, distributor_model_id="fable.claude-fable-5")
    other_direct = OfferingFactory(model=other, distributor=other_provider)
    platform = TeamFactory(name="Platform", slug="platform")
    search = TeamFactory(name="Search", slug="search")
    billing = TeamFactory(name="Billing", slug="billing")
    platform_members = [UserFactory(username=f"platform-{n}", email=f"platform-{n}@example.com") for n in range(2)]
    for user in platform_members:
        MembershipFactory(team=platform, user=user)
    MembershipFactory(team=platform, user=UserFactory(username="platform-noemail", email=""))
    search_members = [UserFactory(username="search-0", email="search-0@example.com")]
    MembershipFactory(team=search, user=search_members[0])
    MembershipFactory(team=billing, user=UserFactory(username="billing-0", email="billing-0@example.com"))
    chat = DependencyFactory(team=platform, system="chat-assistant", offering=fable_direct, criticality=1)
    FallbackFactory(dependency=chat, offering=other_direct)
    summarizer = DependencyFactory(team=platform, system="summarizer", offering=fable_direct, criticality=2)
    FallbackFactory(dependency=summarizer, offering=fable_bedrock)
    triage = DependencyFactory(team=platform, system="ticket-triage", offering=fable_bedrock, criticality=3)
    DependencyFactory(team=search, system="query-rewriter", offering=fable_bedrock, criticality=2)
    DependencyFactory(team=billing, system="invoice-reader", offering=other_direct, criticality=1)
    return World(
        fable_labs=fable_labs, bedrock=bedrock, other_provider=other_provider, fable=fable,
        fable_direct=fable_direct, fable_bedrock=fable_bedrock, other_direct=other_direct,
        platform=platform, search=search, billing=billing, platform_members=platform_members,
        search_members=search_members, platform_deps=[chat, summarizer, triage],
    )


def subscribe(team, **kwargs) -> Subscription:
    return SubscriptionFactory(team=team, **kwargs)


@pytest.fixture(scope="session")
def httpserver_listen_address():
    # The outbound guard lets only the hosts listed in OUTBOUND_ALLOWED_PRIVATE_HOSTS through.
    return ("127.0.0.1", 0)
