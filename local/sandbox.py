"""moto in-process with the stack's resources: what the integration tests and the benches run on.

:func:`create_resources` makes what ``template.yaml`` would (the table from
``certtrack.db.create_table``, both buckets, the SES sender identity, the signing secret, the
badge key set, the payment provider's keys: localstripe's, with the sandbox's webhook secret), and
:func:`create_queues` the template's SQS queues, :func:`create_user_pool` its user pool.
:class:`Sandbox` keeps one moto for many runs and gives each run a fresh account::

    sandbox = Sandbox()          # once (the tests: once per session)
    with sandbox.run():          # each run (each test): empty AWS, the resources, no cached client
        ...

A run starts with every moto backend reset (whatever a previous run stored, sent or created is
gone) and the resources made anew, then forgets the boto3 clients, parameter values and settings
``certtrack`` caches; it ends the same way. What is kept between runs is what costs and holds no
data: boto3's default session (with the service models it has parsed, about a second per run
otherwise) and the clients that make the resources. Outside a run moto is off. Re-creating the
table is also the cheapest way to empty it: about 30 ms whatever it holds, where a scan and delete
of 200 items takes over a second.

:func:`aws_sandbox` is one run on a sandbox of its own (the benches).
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from local import payment_provider
from local.template import Template

ROOT = Path(__file__).resolve().parent.parent

if TYPE_CHECKING:
    from certtrack.settings import Settings


def service_clients(region: str) -> dict[str, Any]:
    """The clients :func:`create_resources` makes the resources with, by service name."""
    import boto3

    return {
        "dynamodb": boto3.client("dynamodb", region_name=region),
        "s3": boto3.client("s3", region_name=region),
        "sesv2": boto3.client("sesv2", region_name=region),
        "secretsmanager": boto3.client("secretsmanager", region_name=region),
        "sqs": boto3.client("sqs", region_name=region),
        "cognito-idp": boto3.client("cognito-idp", region_name=region),
    }


@lru_cache(maxsize=1)
def template() -> Template:
    """``template.yaml``, parsed once."""
    return Template(ROOT / "template.yaml")


def create_queues(clients: dict[str, Any]) -> dict[str, str]:
    """The template's queues (``local.eventsources``), and the variables naming them set in the
    environment (``MAPPING_MAIL_QUEUE_URL``, …: the same URL every run); logical id → URL."""
    from local import eventsources

    urls = eventsources.create_queues(template(), clients["sqs"])
    os.environ.update(eventsources.queue_variables(template(), urls))
    return urls


def create_user_pool(clients: dict[str, Any]) -> str:
    """The template's user pool, named to the functions as the template does (``USER_POOL_ID``: the
    AuthMapping function deletes the user of an erased login); its id."""
    pool_id = str(clients["cognito-idp"].create_user_pool(PoolName="certtrack-sandbox")["UserPool"]["Id"])
    os.environ["USER_POOL_ID"] = pool_id
    return pool_id


def create_resources(clients: dict[str, Any], settings: Settings, payment_keys: dict[str, str]) -> None:
    """The stack's resources in an empty moto account (``clients`` from :func:`service_clients`)."""
    from certtrack.db import create_table

    create_table(clients["dynamodb"], settings.table_name)
    for bucket in (settings.documents_bucket, settings.imports_bucket):
        clients["s3"].create_bucket(Bucket=bucket)
    clients["sesv2"].create_email_identity(EmailIdentity=settings.sender_email)
    if settings.signing_secret_arn:
        clients["secretsmanager"].create_secret(
            Name=settings.signing_secret_arn, SecretString=f"sandbox-{uuid.uuid4().hex}{uuid.uuid4().hex}"
        )
    if settings.badge_keys_secret_arn:
        from local import overrides

        badge_keys = template().properties_of_type("AWS::SecretsManager::Secret")["BadgeSigningKeys"]
        clients["secretsmanager"].create_secret(
            Name=settings.badge_keys_secret_arn,
            SecretString=overrides.secret_value("BadgeSigningKeys", {}, badge_keys.get("GenerateSecretString")),
        )
    if settings.payment_secret_arn:
        clients["secretsmanager"].create_secret(Name=settings.payment_secret_arn, SecretString=json.dumps(payment_keys))


def reset_clients() -> None:
    """Forget the settings, boto3 clients and parameter values ``certtrack`` caches."""
    from aws_lambda_powertools.utilities import parameters
    from certtrack import documents, email
    from certtrack.settings import get_settings

    get_settings.cache_clear()
    parameters.clear_caches()  # drops Powertools' providers: their clients and the values they hold
    email._client.cache_clear()
    documents.s3.cache_clear()
    for module in list(sys.modules.values()):
        reset = getattr(module, "reset_clients_for_tests", None)
        if callable(reset):
            reset()


@contextmanager
def shared_service_models() -> Iterator[None]:
    """Every botocore session made while inside reads the service models through one loader.

    PynamoDB gives each connection a botocore session of its own, and a new session parses the
    DynamoDB model again (0.3 to 0.8 s here): paid once per model class in a Lambda, but on every
    test that uses a connection ``certtrack`` re-creates. The loader only holds botocore's data
    files, as it does for all clients of one session.
    """
    import botocore.loaders
    import botocore.session

    original = botocore.session.create_loader
    loaders: dict[Any, botocore.loaders.Loader] = {}

    def create_loader(search_path_string: Any = None) -> botocore.loaders.Loader:
        if search_path_string not in loaders:
            loaders[search_path_string] = original(search_path_string)
        return loaders[search_path_string]

    botocore.session.create_loader = create_loader
    try:
        yield
    finally:
        botocore.session.create_loader = original


def share_user_pool_signing_key() -> None:
    """Every moto user pool signs with the same key file, and each new pool parses it again: about
    0.2 s of RSA checks per run, most of a run's set-up. Parsed once here, the key object (which
    holds no state) is what every pool gets."""
    from joserfc import jwk
    from moto.cognitoidp import models
    from moto.utilities.utils import load_resource

    key = jwk.RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    models.jwk = SimpleNamespace(RSAKey=SimpleNamespace(import_key=lambda _data: key))  # type: ignore[attr-defined,assignment]


class Sandbox:
    """One moto for many runs, each on a fresh account (see the module's docstring)."""

    def __init__(self) -> None:
        from moto import mock_aws

        from local import s3_post, ses_account

        s3_post.install()  # form uploads checked against their signed policy, as S3 does
        share_user_pool_signing_key()
        ses_account.install()  # SES v2 GetAccount (the sending quota), which moto lacks

        # moto's default replaces boto3's default session on every start, so every run would parse
        # the service models of every client again; the session holds no AWS data.
        self._mock = mock_aws(config={"core": {"reset_boto3_session": False}})
        self._clients: dict[str, dict[str, Any]] = {}  # by region
        # The payment secret's value in every run: localstripe's keys (``local.payment_provider``);
        # a localstripe that delivers webhooks to the tests signs with this webhook secret.
        self.payment_keys = payment_provider.keys(payment_provider.new_webhook_secret())

    @contextmanager
    def run(self) -> Iterator[Settings]:
        """moto on, every backend empty, the resources made; yields the settings."""
        from certtrack.settings import get_settings

        self._mock.start(reset=True)
        try:
            reset_clients()
            settings = get_settings()
            region = settings.region
            if region not in self._clients:
                self._clients[region] = service_clients(region)
            create_queues(self._clients[region])
            create_user_pool(self._clients[region])
            get_settings.cache_clear()  # the queues' and the pool's variables are set now
            settings = get_settings()
            create_resources(self._clients[region], settings, self.payment_keys)
            yield settings
        finally:
            reset_clients()
            self._mock.stop(remove_data=True)


@contextmanager
def aws_sandbox() -> Iterator[Settings]:
    """moto in-process with the stack's resources, for one block; yields the settings."""
    with Sandbox().run() as settings:
        yield settings
