"""Slack, through an incoming webhook: the subscription's target is the hook's URL (a credential).
The message names the change, the team's affected services and whether each fallback holds, with
a link to the register (riskregister/alerts/channels/payloads.py, `slack_message`)."""

from __future__ import annotations

import json

from riskregister.alerts.channels.base import register_channel
from riskregister.alerts.channels.payloads import AlertMessage, slack_message
from riskregister.alerts.channels.posting import PostingChannel


@register_channel
class SlackChannel(PostingChannel):
    kind = "slack"
    label = "Slack"

    def request(self, message: AlertMessage, subscription) -> tuple[bytes, dict[str, str]]:
        return json.dumps(slack_message(message)).encode(), {"content-type": "application/json"}
