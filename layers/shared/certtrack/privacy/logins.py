"""The identity provider's side of an erasure: the login's user is deleted from the user pool."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from certtrack.auth import Login
from certtrack.errors import ServiceUnavailable
from certtrack.settings import get_settings

_UNAVAILABLE = (
    "Your data was erased and your login disconnected, but the login itself could not be deleted yet. Try again."
)


def configured() -> bool:
    return bool(get_settings().user_pool_id)


@lru_cache(maxsize=1)
def _client() -> Any:
    import boto3  # on the first erasure only: no other route of the function needs it

    return boto3.client("cognito-idp", region_name=get_settings().region)


def delete_user(login: Login) -> None:
    """AdminDeleteUser on the template's pool; a user that is gone already is fine (a retry)."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = _client()
    try:
        client.admin_delete_user(UserPoolId=get_settings().user_pool_id, Username=login.username)
    except client.exceptions.UserNotFoundException:
        return
    except (BotoCoreError, ClientError) as error:
        raise ServiceUnavailable(_UNAVAILABLE, code="identity_unavailable") from error


def reset_clients_for_tests() -> None:
    _client.cache_clear()
