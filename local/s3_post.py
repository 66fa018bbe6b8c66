"""moto's S3 with S3's checks of a browser form upload (a presigned POST): the signed policy holds.

moto stores whatever a form POST to a bucket sends: it checks neither the policy's signature, its
expiry nor its conditions. S3 refuses an upload whose policy is expired (403 ``AccessDenied``),
whose signature does not match (403 ``SignatureDoesNotMatch``), whose form has a field the policy
does not name or breaks a condition (403 ``AccessDenied``, "Invalid according to Policy"), or
whose file is outside ``content-length-range`` (400 ``EntityTooLarge`` / ``EntityTooSmall``); a
form without a policy is an anonymous write to a private bucket (403 ``AccessDenied``). The
local runtime and the integration tests :func:`install` these checks, so an upload form the API
signs is tried as S3 would try it (AWS's "Creating a POST policy", Signature Version 4).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from moto.s3.responses import S3Response

# Fields S3 does not look for in the policy's conditions.
_EXEMPT = {"x-amz-signature", "file", "policy"}


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def check(form: Mapping[str, str], size: int, bucket: str, now: datetime, secret: str) -> None:
    """Raise :class:`Refused` as S3 would refuse this form upload of ``size`` bytes to ``bucket``."""
    fields = {name.lower(): value for name, value in form.items()}
    encoded = fields.get("policy")
    if not encoded:
        raise Refused(403, "AccessDenied", "Access Denied")
    try:
        policy = json.loads(base64.b64decode(encoded, validate=True))
        expiration = datetime.fromisoformat(str(policy["expiration"]).replace("Z", "+00:00"))
        conditions = list(policy["conditions"])
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise Refused(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from error
    if _signature(encoded, fields.get("x-amz-credential", ""), secret) != fields.get("x-amz-signature"):
        raise Refused(403, "SignatureDoesNotMatch", "The request signature we calculated does not match.")
    if expiration <= now:
        raise Refused(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    values = fields | {"bucket": bucket}
    named: set[str] = set()
    for condition in conditions:
        named |= _apply(condition, values, size)
    extra = sorted(name for name in fields if name not in named | _EXEMPT and not name.startswith("x-ignore-"))
    if extra:
        raise Refused(403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")


def _apply(condition: Any, values: Mapping[str, str], size: int) -> set[str]:
    """Check one condition; the (lower-case) field names it covers."""
    if isinstance(condition, dict):
        name, expected = next(iter(condition.items()))
        operator, field = "eq", f"${name}"
    elif isinstance(condition, list) and condition and condition[0] == "content-length-range":
        low, high = int(condition[1]), int(condition[2])
        if size > high:
            raise Refused(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
        if size < low:
            raise Refused(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
        return set()
    elif isinstance(condition, list) and len(condition) == 3:
        operator, field, expected = str(condition[0]).lower(), str(condition[1]), condition[2]
    else:
        raise Refused(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid condition {json.dumps(condition)}")
    name = field.removeprefix("$").lower()
    actual = values.get(name, "")
    ok = actual == expected if operator == "eq" else operator == "starts-with" and actual.startswith(str(expected))
    if not ok:
        raise Refused(
            403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}"
        )
    return {name}


def _signature(policy: str, credential: str, secret: str) -> str:
    """SigV4 of a POST policy: HMAC-SHA256 of the base64 policy with the credential scope's key."""
    _access_key, _, scope = credential.partition("/")
    parts = scope.split("/")
    if len(parts) != 4:
        return ""
    key = f"AWS4{secret}".encode()
    for part in parts:
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()


def _is_form_upload(request: Any) -> bool:
    return str(request.headers.get("Content-Type", "")).lower().startswith("multipart/form-data")


def checked_post(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto's bucket POST handler, with :func:`check` first for form uploads."""

    def post(self: Any, request: Any, bucket_name: str) -> Any:
        if _is_form_upload(request):
            body = self.raw_body if isinstance(self.raw_body, bytes | str) else b""
            size = len(body.encode() if isinstance(body, str) else body)
            form = {name: str(value) for name, value in self.form_data.items()}
            secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
            try:
                check(form, size, bucket_name, datetime.now(UTC), secret)
            except Refused as refused:
                xml = (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    f"<Error><Code>{refused.code}</Code><Message>{escape(refused.message)}</Message></Error>"
                )
                return refused.status, {"Content-Type": "application/xml"}, xml
        return original(self, request, bucket_name)

    return post


def patches() -> Iterator[tuple[str, Callable[..., Any]]]:
    yield "_bucket_response_post", checked_post(S3Response._bucket_response_post)


def install() -> None:
    """Check form uploads for the rest of this process (the local runtime, the tests' sandbox)."""
    if getattr(S3Response, "_post_policy_checked", False):
        return
    for name, method in patches():
        setattr(S3Response, name, method)
    S3Response._post_policy_checked = True  # type: ignore[attr-defined]  # our marker on moto's class
