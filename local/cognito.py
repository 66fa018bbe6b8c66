"""The local identity provider: moto's Cognito user pool, and the checks API Gateway's authorizer makes.

``verify`` accepts an ID token only if it is RS256-signed by the pool's key (fetched from the
pool's JWKS on the moto endpoint), issued by the pool, for our app client, of ``token_use`` id and
not expired, then hands back the claims the way API Gateway's Cognito authorizer passes them to a
REST proxy integration: every value a string (``exp``/``iat`` as dates, lists comma-joined).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from local.template import REGION

_JAVA_DATE = "%a %b %d %H:%M:%S UTC %Y"  # how API Gateway renders exp/iat: "Tue Apr 04 18:39:39 UTC 2023"


class InvalidToken(Exception):
    """The request has no acceptable ID token."""


class LoginFailed(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


@dataclass(frozen=True)
class Session:
    id_token: str
    refresh_token: str


class IdentityProvider:
    """One user pool with one app client that allows ``USER_PASSWORD_AUTH``."""

    def __init__(self, client: Any, endpoint: str, pool_id: str, client_id: str) -> None:
        self._client = client
        self.pool_id = pool_id
        self.client_id = client_id
        self.issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"
        self._keys = jwt.PyJWKClient(f"{endpoint}/{pool_id}/.well-known/jwks.json", cache_keys=True)

    @classmethod
    def create(
        cls, client: Any, endpoint: str, pool_name: str, settings: dict[str, Any], groups: list[str]
    ) -> IdentityProvider:
        """A new pool; ``settings`` are ``create_user_pool`` arguments (``Policies``, ``UsernameConfiguration``)."""
        pool_id = client.create_user_pool(PoolName=pool_name, **settings)["UserPool"]["Id"]
        client_id = client.create_user_pool_client(
            UserPoolId=pool_id, ClientName="local-web", ExplicitAuthFlows=["USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        provider = cls(client, endpoint, pool_id, client_id)
        for group in groups:
            provider.ensure_group(group)
        return provider

    def ensure_group(self, group: str) -> None:
        with contextlib.suppress(self._client.exceptions.GroupExistsException):
            self._client.create_group(UserPoolId=self.pool_id, GroupName=group)

    def login(self, username: str, password: str, groups: list[str]) -> str:
        """An ID token for ``username``; creates the user (with ``password``) on first use."""
        return self.session(username, password, groups).id_token

    def session(self, username: str, password: str, groups: list[str]) -> Session:
        """The ID and refresh tokens of a login by ``username``; creates the user on first use.

        The password is checked before ``groups`` are granted, so a wrong one changes nothing.
        """
        try:
            self._client.admin_get_user(UserPoolId=self.pool_id, Username=username)
        except self._client.exceptions.UserNotFoundException:
            self._create_user(username, password)
        session = self._authenticate(username, password)
        if not groups:
            return session
        for group in groups:
            self.ensure_group(group)
            self._client.admin_add_user_to_group(UserPoolId=self.pool_id, Username=username, GroupName=group)
        return self._authenticate(username, password)  # a fresh token carries the new groups

    def refresh(self, refresh_token: str) -> str:
        """A new ID token for a refresh token (``REFRESH_TOKEN_AUTH``), as the hosted UI's token
        endpoint answers ``grant_type=refresh_token``; ``LoginFailed`` if revoked or unknown."""
        try:
            result = self._client.initiate_auth(
                ClientId=self.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
            )
        except (self._client.exceptions.NotAuthorizedException, self._client.exceptions.ResourceNotFoundException):
            raise LoginFailed(400, "invalid_grant", "The refresh token is not valid.") from None
        return str(result["AuthenticationResult"]["IdToken"])

    def revoke(self, refresh_token: str) -> None:
        """End the refresh token's session (the hosted UI's ``/oauth2/revoke``). moto has no
        RevokeToken, so the login's sessions are signed out (an unknown token changes nothing)."""
        try:
            result = self._client.initiate_auth(
                ClientId=self.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
            )
        except (self._client.exceptions.NotAuthorizedException, self._client.exceptions.ResourceNotFoundException):
            return
        self._client.global_sign_out(AccessToken=result["AuthenticationResult"]["AccessToken"])

    def ensure_user(self, username: str, password: str, groups: list[str]) -> str:
        """Create ``username`` unless it exists (then check ``password``); returns its ``sub``."""
        return self.verify(f"Bearer {self.login(username, password, groups)}")["sub"]

    def _authenticate(self, username: str, password: str) -> Session:
        try:
            result = self._client.initiate_auth(
                ClientId=self.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except self._client.exceptions.NotAuthorizedException as error:
            raise LoginFailed(401, "invalid_credentials", "Incorrect username or password.") from error
        tokens = result["AuthenticationResult"]
        return Session(id_token=str(tokens["IdToken"]), refresh_token=str(tokens["RefreshToken"]))

    def _create_user(self, username: str, password: str) -> None:
        errors = self._client.exceptions
        try:
            self._client.admin_create_user(UserPoolId=self.pool_id, Username=username, MessageAction="SUPPRESS")
        except errors.UsernameExistsException:
            return  # a concurrent first login created it
        try:
            self._client.admin_set_user_password(
                UserPoolId=self.pool_id, Username=username, Password=password, Permanent=True
            )
        except errors.InvalidPasswordException as error:
            self._client.admin_delete_user(UserPoolId=self.pool_id, Username=username)
            raise LoginFailed(
                422, "weak_password", "The password does not meet the user pool's password policy."
            ) from error

    def verify(self, authorization: str | None) -> dict[str, str]:
        """API-Gateway-style claims of the ``Authorization`` header's ID token, or ``InvalidToken``."""
        if not authorization:
            raise InvalidToken("missing token")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else authorization.strip()
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            payload = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self.client_id,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "token_use"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(type(error).__name__) from error
        if payload.get("token_use") != "id":
            raise InvalidToken("not an ID token")
        return api_gateway_claims(payload)


def api_gateway_claims(payload: dict[str, Any]) -> dict[str, str]:
    """JWT claims as API Gateway's Cognito authorizer renders them for a REST proxy event."""
    claims = {}
    for name, value in payload.items():
        if name in ("exp", "iat"):
            claims[name] = datetime.fromtimestamp(int(value), UTC).strftime(_JAVA_DATE)
        elif isinstance(value, bool):
            claims[name] = "true" if value else "false"
        elif isinstance(value, list):
            claims[name] = ",".join(str(item) for item in value)
        else:
            claims[name] = str(value)
    return claims
