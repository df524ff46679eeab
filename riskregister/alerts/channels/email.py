"""Email through Django's email backend: SMTP in production, files under var/mail by default.

With the SMTP backend the message goes out in one transaction to all the targets, and the server's
answer at RCPT is read per address: `smtplib.SMTP.sendmail` returns the addresses it refused while
it delivered to the others, and Django's backend drops that answer, so this channel calls
`sendmail` on the backend's open connection itself. Other backends (files, memory, console) accept
every address.
"""

from __future__ import annotations

import smtplib
import socket
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address

from riskregister.alerts.channels.base import (
    Channel,
    DeliveryError,
    TransientDeliveryError,
    register_channel,
    smtp_reply_error,
)

if TYPE_CHECKING:
    from riskregister.alerts.models import Alert


def _reply_text(code, message) -> str:
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return f"{code} {message}"


@register_channel
class EmailChannel(Channel):
    kind = "email"
    label = "email"

    def message(self, alert: Alert, targets: list[str]) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=alert.subject,
            body=alert.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=list(targets),
            # The same Message-ID on every attempt and for every recipient: a mailbox that sees the
            # message twice (the window in the README's "Alert emails") can tell that it is one message.
            headers={"Message-ID": f"<alert-{alert.uuid}@risk-register>", "X-Risk-Register-Alert": str(alert.uuid)},
        )
        if alert.body_html:
            message.attach_alternative(alert.body_html, "text/html")
        return message

    def deliver(self, alert: Alert, targets: list[str]) -> dict[str, DeliveryError]:
        if not targets:
            return {}
        message = self.message(alert, targets)
        try:
            connection = get_connection(fail_silently=False)
            if not isinstance(connection, SMTPBackend):
                connection.send_messages([message])
                return {}
            return self._send_smtp(connection, message)
        except smtplib.SMTPRecipientsRefused as exc:
            # Every address refused at RCPT; each has its own reply.
            return {
                self._target_of(address, targets): smtp_reply_error(code, _reply_text(code, text))
                for address, (code, text) in exc.recipients.items()
            }
        except smtplib.SMTPResponseException as exc:
            # Refused as a whole: at MAIL FROM, at DATA (a 451 greylisting), or at connect.
            raise smtp_reply_error(exc.smtp_code, _reply_text(exc.smtp_code, exc.smtp_error)) from exc
        except (smtplib.SMTPException, socket.timeout, OSError) as exc:
            # Connection refused or reset, a timeout, a server that hung up: the server may be back later.
            raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc

    @staticmethod
    def _target_of(address: str, targets: list[str]) -> str:
        # smtplib reports the address as it was sent (sanitized); map it back to our target.
        for target in targets:
            if target == address or target.lower() == address.lower():
                return target
        return address

    def _send_smtp(self, connection: SMTPBackend, message: EmailMultiAlternatives) -> dict[str, DeliveryError]:
        """What Django's SMTP backend does in `_send`, keeping the refused recipients it discards."""
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(message.from_email, encoding)
        sent_as = {sanitize_address(target, encoding): target for target in message.recipients()}
        opened = connection.open()
        try:
            if connection.connection is None:
                raise TransientDeliveryError("could not open a connection to the mail server")
            refused = connection.connection.sendmail(sender, list(sent_as), message.message().as_bytes(linesep="\r\n"))
        finally:
            if opened:
                connection.close()
        errors: dict[str, DeliveryError] = {}
        for address, (code, text) in refused.items():
            target = sent_as.get(address) or self._target_of(address, list(sent_as.values()))
            errors[target] = smtp_reply_error(code, _reply_text(code, text))
        return errors

