"""The local outbox: the messages moto's SES accepted, parsed back into to/subject/text/html.

moto runs in this process, so its SES backend (shared by SES v1 and v2) is read directly. Our
mail goes out as Raw MIME (multipart/alternative); a Simple message keeps only one body in moto.
"""

from __future__ import annotations

import email
from email import policy
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from local.template import REGION


def messages() -> list[dict[str, str]]:
    """Every message sent so far, oldest first."""
    return [_parse(message) for message in list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)]


def _parse(message: Any) -> dict[str, str]:
    raw = getattr(message, "raw_data", None)
    if raw is None:
        destinations = getattr(message, "destinations", None) or {}
        return {
            "to": ", ".join(destinations.get("ToAddresses", [])),
            "subject": str(getattr(message, "subject", "")),
            "text": str(getattr(message, "body", "")),
            "html": "",
        }
    parsed = email.message_from_string(raw, policy=policy.default)
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    return {
        "to": str(parsed.get("To", "")),
        "subject": str(parsed.get("Subject", "")),
        "text": text.get_content() if text is not None else "",
        "html": html.get_content() if html is not None else "",
    }
