"""Login claims, as API Gateway's Cognito authorizer hands them to a handler."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from certtrack.errors import Forbidden, Unauthorized

OPERATORS_GROUP = "operators"


@dataclass(frozen=True)
class Login:
    sub: str
    username: str
    groups: frozenset[str]

    @property
    def is_operator(self) -> bool:
        return OPERATORS_GROUP in self.groups


def _groups(raw: Any) -> frozenset[str]:
    # API Gateway passes a list claim as a string: "[a, b]" or "a,b"; locally it may be a list.
    if raw is None or raw == "":
        return frozenset()
    if isinstance(raw, (list, tuple)):
        return frozenset(str(g) for g in raw)
    text = str(raw).strip().strip("[]")
    return frozenset(part.strip() for part in text.replace(",", " ").split() if part.strip())


def login_from_event(event: Mapping[str, Any]) -> Login:
    """Read ``requestContext.authorizer.claims``; 401 when there are none."""
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims") or {}
    sub = claims.get("sub")
    if not sub:
        raise Unauthorized("A valid ID token is required.", code="unauthorized")
    return Login(
        sub=str(sub),
        username=str(claims.get("cognito:username") or sub),
        groups=_groups(claims.get("cognito:groups")),
    )


def require_operator(login: Login) -> None:
    if not login.is_operator:
        raise Forbidden("This action is for operators only.", code="operators_only")
