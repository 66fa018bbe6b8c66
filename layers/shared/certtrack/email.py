"""Email: Jinja2 templates rendered to text + HTML and sent through SES v2 as one MIME message.

Templates live in ``templates/email/<name>.subject.txt``, ``<name>.txt`` and ``<name>.html`` and
are rendered from the same context, in the recipient's language: the context's ``language``
(``certtrack.i18n``; English when absent). Messages go out as Raw MIME (multipart/alternative) so both
parts survive (moto keeps only HTML for a Simple message with both bodies).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from certtrack import i18n
from certtrack.errors import ServiceUnavailable
from certtrack.settings import get_settings

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent / "templates" / "email"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    sender_name: str = "Certification Program"


@cache
def jinja_env(language: str = i18n.DEFAULT) -> Environment:
    """The emails' Jinja2 environment (``templates/email/``) of one language; autoescape on for
    HTML parts.

    Jinja2 (with MarkupSafe) is imported here, on first use, not when a function starts: most
    requests render no template.
    """
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    return i18n.install(env, language)


def render(name: str, context: Mapping[str, Any]) -> RenderedEmail:
    """``context["language"]`` (en/ja; anything else or absent: English) picks the catalogue."""
    language = i18n.choose(context.get("language"))
    env = jinja_env(language)
    ctx = {"program_name": i18n.N_("Certification Program"), **context, "language": language}
    # The catalog's program name is the default one: it has its translation like any message.
    ctx["program_name"] = i18n.translate(language, str(ctx["program_name"]))
    subject = env.get_template(f"{name}.subject.txt").render(ctx).strip()
    return RenderedEmail(
        subject=" ".join(subject.split()),
        text=env.get_template(f"{name}.txt").render(ctx),
        html=env.get_template(f"{name}.html").render(ctx),
        sender_name=str(ctx["program_name"]),
    )


@lru_cache(maxsize=1)
def _client() -> Any:
    import boto3  # on first send: a cold start that sends no mail does not load it

    return boto3.client("sesv2", region_name=get_settings().region)


# Headers are not folded at 78 characters: a subject just longer than that was otherwise moved
# whole to a continuation line ("Subject:\n Your …"), which readers show with a leading space.
# RFC 5322 allows lines of up to 998 characters.
_MIME_POLICY = policy.default.clone(max_line_length=998)


def _transfer_encoding(body: str) -> str | None:
    return None if body.isascii() else "base64"


def build_mime(to: str, message: RenderedEmail, headers: Mapping[str, str] | None = None) -> bytes:
    settings = get_settings()
    mime = EmailMessage(policy=_MIME_POLICY)
    mime["Subject"] = message.subject
    mime["From"] = formataddr((message.sender_name, settings.sender_email))
    mime["To"] = to
    mime["Message-ID"] = make_msgid(domain=settings.sender_email.split("@")[-1])
    for name, value in (headers or {}).items():
        mime[name] = value
    # SES takes 7-bit raw messages: a body with non-ASCII text (Japanese) goes base64, not 8bit.
    mime.set_content(message.text, cte=_transfer_encoding(message.text))
    mime.add_alternative(message.html, subtype="html", cte=_transfer_encoding(message.html))
    return mime.as_bytes()


def send(to: str, message: RenderedEmail, headers: Mapping[str, str] | None = None) -> str:
    """Send one message; returns the SES message id. Raises ``ServiceUnavailable`` on failure."""
    settings = get_settings()
    kwargs: dict[str, Any] = {
        "FromEmailAddress": settings.sender_email,
        "Destination": {"ToAddresses": [to]},
        "Content": {"Raw": {"Data": build_mime(to, message, headers)}},
    }
    if settings.ses_configuration_set:
        kwargs["ConfigurationSetName"] = settings.ses_configuration_set
    try:
        response = _client().send_email(**kwargs)
    except (ClientError, BotoCoreError) as error:
        raise ServiceUnavailable(
            "The email could not be sent right now; nothing was changed. Please retry.",
            code="email_unavailable",
            headers={"Retry-After": "30"},
        ) from error
    return str(response.get("MessageId", ""))


# SES's sending rate of an account in the sandbox, the lowest there is: used when the quota cannot be read.
SANDBOX_SEND_RATE = 1.0


def max_send_rate() -> float:
    """The account's SES sending rate (messages per second, ``GetAccount`` ``SendQuota.MaxSendRate``)."""
    try:
        quota = _client().get_account().get("SendQuota") or {}
    except (ClientError, BotoCoreError):
        return SANDBOX_SEND_RATE
    return float(quota.get("MaxSendRate") or SANDBOX_SEND_RATE)


def throttled(error: BaseException) -> bool:
    """Whether a failed send (``ServiceUnavailable`` from :func:`send`) is SES refusing for now
    (rate, throttling, an outage) rather than this message (a rejected address or content)."""
    cause = error.__cause__
    if isinstance(cause, ClientError):
        code = str(cause.response.get("Error", {}).get("Code", ""))
        status = int(cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return code in _RETRY_LATER or status >= 500
    return isinstance(cause, BotoCoreError)  # no answer at all: the connection, a timeout


_RETRY_LATER = {
    "TooManyRequestsException",
    "Throttling",
    "ThrottlingException",
    "ServiceUnavailable",
    "InternalFailure",
    "LimitExceededException",
}


def send_template(to: str, name: str, context: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> str:
    return send(to, render(name, context), headers)
