"""Email through Django's email backend: SMTP in production, files under var/mail by default."""

from __future__ import annotations

import smtplib
import socket
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from riskregister.alerts.channels.base import (
    Channel,
    PermanentDeliveryError,
    TransientDeliveryError,
    register_channel,
)

if TYPE_CHECKING:
    from riskregister.alerts.models import Alert


def _is_permanent(code: int | None) -> bool:
    # RFC 5321: 5yz is a permanent negative reply, 4yz a transient one.
    return code is not None and 500 <= code < 600


@register_channel
class EmailChannel(Channel):
    kind = "email"
    label = "email"

    def deliver(self, alert: Alert) -> None:
        if not alert.recipients:
            raise PermanentDeliveryError("no recipient has an email address")
        message = EmailMultiAlternatives(
            subject=alert.subject,
            body=alert.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=list(alert.recipients),
            # The same Message-ID on every attempt: a mailbox that sees a message twice (the window
            # in the README's "Alert emails") can tell that it is one message.
            headers={"Message-ID": f"<alert-{alert.uuid}@risk-register>", "X-Risk-Register-Alert": str(alert.uuid)},
        )
        if alert.body_html:
            message.attach_alternative(alert.body_html, "text/html")
        try:
            connection = get_connection(fail_silently=False)
            connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            text = "; ".join(f"{who}: {code} {msg!r}" for who, (code, msg) in exc.recipients.items())
            if codes and all(_is_permanent(code) for code in codes):
                raise PermanentDeliveryError(f"recipients refused: {text}") from exc
            raise TransientDeliveryError(f"recipients refused: {text}") from exc
        except smtplib.SMTPResponseException as exc:
            error = f"{exc.smtp_code} {exc.smtp_error!r}"
            if _is_permanent(exc.smtp_code):
                raise PermanentDeliveryError(error) from exc
            raise TransientDeliveryError(error) from exc
        except (smtplib.SMTPException, socket.timeout, OSError) as exc:
            # Connection refused or reset, a timeout, a server that hung up: the server may be back later.
            raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
