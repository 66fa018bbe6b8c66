"""The local stack: the template's resources created in moto, each function's environment, the app.

Import this only once the process environment points at moto (``local.devserver`` does that):
``certtrack.db`` and the handlers read the environment when they are imported.
"""

from __future__ import annotations

import os
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from certtrack.auth import OPERATORS_GROUP
from certtrack.settings import Settings, get_settings

from local import eventsources, overrides, payment_provider
from local.artifact import ArtifactRuntime
from local.cognito import IdentityProvider
from local.lambdas import HandlerMissing, Runtime
from local.local_routes import LocalRoutes
from local.payment_provider import LocalStripe
from local.seed import DEMO_LOGINS, seed
from local.server import LocalApp
from local.template import LOCAL_STAGE, REGION, Function, Template

WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def build_app(
    template: Template, endpoint: str, base_url: str, payments: LocalStripe, artifact: Path | None = None
) -> tuple[LocalApp, dict[str, Any]]:
    """Create the resources, set the environment, load the handlers and seed; returns the app and the seed summary.

    ``payments`` is the local payment provider (its URL goes to every function, its keys into the
    payment secret). With ``artifact`` (a ``sam build`` output) every function runs from it in its
    own interpreter (``local.artifact``); otherwise in this process, from the source tree.
    """
    local_variables = overrides.function_variables(os.environ.get("LOG_LEVEL")) | overrides.payment_access(payments.url)
    identity = _identity_provider(template, endpoint)
    refs = {logical_id: identity.pool_id for logical_id in template.properties_of_type("AWS::Cognito::UserPool")}
    refs |= {
        logical_id: identity.client_id for logical_id in template.properties_of_type("AWS::Cognito::UserPoolClient")
    }
    _create_parameters_and_secrets(template, refs, base_url, payment_provider.keys(payments.webhook_secret))
    queue_urls = eventsources.create_queues(template, boto3.client("sqs"))
    refs |= queue_urls
    _forget_undeclared_settings(template)
    os.environ.update(_resolved(template, template.global_environment, refs) | local_variables)
    settings = get_settings()
    _create_resources(template, refs, settings)
    environments = {
        function.logical_id: _function_environment(template, function, refs) | local_variables
        for function in template.functions.values()
    }
    runtime: Runtime | ArtifactRuntime
    if artifact is None:
        runtime = Runtime(environments)
    else:
        access = overrides.aws_access(endpoint, REGION)
        runtime = ArtifactRuntime(artifact, {name: env | access for name, env in environments.items()})
    _load_handlers(template, runtime)
    sqs = boto3.client("sqs")
    sources = eventsources.EventSources(
        eventsources.sqs_sources(template, queue_urls) + eventsources.s3_sources(template, sqs, boto3.client("s3")),
        runtime.invoke,
        sqs,
    )
    subs = {
        login.username: identity.ensure_user(login.username, login.password, list(login.groups))
        for login in DEMO_LOGINS
    }
    seeded = seed(datetime.now(UTC), subs)
    local_routes = LocalRoutes(
        template, runtime, identity, boto3.client("s3"), settings.imports_bucket, sources, payments=payments
    )
    app = LocalApp(
        template,
        runtime,
        identity,
        local_routes,
        WEB_DIR,
        LOCAL_STAGE,
        sources=sources,
        payment_origin=payments.url,
        storage_origin=endpoint,
    )
    return app, seeded


def _forget_undeclared_settings(template: Template) -> None:
    """Settings the template gives no function must not leak in from the shell (e.g. a test's
    ``PUBLIC_BASE_URL``): the handlers run in this process and would read them."""
    from certtrack.settings import Settings
    from pydantic import AliasChoices

    declared = {name for function in template.functions.values() for name in function.environment}
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias or field.alias
        names = alias.choices if isinstance(alias, AliasChoices) else [alias or name]
        for variable in (str(n).upper() for n in names):
            if variable not in declared and not variable.startswith("AWS_"):
                os.environ.pop(variable, None)


def _create_parameters_and_secrets(
    template: Template, refs: dict[str, str], base_url: str, payment_keys: dict[str, str]
) -> None:
    """The template's SSM parameters and Secrets Manager secrets, in moto (values: ``local.overrides``)."""
    computed = overrides.resource_values(base_url)
    ssm = boto3.client("ssm")
    for logical_id, props in template.properties_of_type("AWS::SSM::Parameter").items():
        value = computed.get(logical_id) or template.resolve(props.get("Value"), refs)
        if value is None:
            raise ValueError(f"{logical_id}: no local value (add it to local.overrides.resource_values)")
        ssm.put_parameter(Name=template.physical_name(logical_id, refs), Value=str(value), Type="String")
    secretsmanager = boto3.client("secretsmanager")
    for logical_id, props in template.properties_of_type("AWS::SecretsManager::Secret").items():
        name = template.physical_name(logical_id, refs)
        value = overrides.secret_value(logical_id, payment_keys, props.get("GenerateSecretString"))
        created = secretsmanager.create_secret(Name=name, SecretString=value)
        refs[logical_id] = created["ARN"]  # !Ref of a secret is its ARN


def _identity_provider(template: Template, endpoint: str) -> IdentityProvider:
    """The template's user pool (name, password policy, groups) with a client that allows password logins."""
    pools = template.properties_of_type("AWS::Cognito::UserPool")
    logical_id, props = next(iter(pools.items()), ("UserPool", {}))
    settings: dict[str, Any] = {
        key: template.resolve(props[key]) for key in ("Policies", "UsernameConfiguration") if key in props
    }
    groups = {
        str(group)
        for props in template.properties_of_type("AWS::Cognito::UserPoolGroup").values()
        if (group := template.resolve(props.get("GroupName")))
    }
    return IdentityProvider.create(
        boto3.client("cognito-idp"),
        endpoint,
        template.physical_name(logical_id),
        settings,
        sorted(groups | {OPERATORS_GROUP}),
    )


def _create_resources(template: Template, refs: dict[str, str], settings: Settings) -> None:
    from certtrack.db import create_table  # reads the settings when imported

    create_table(boto3.client("dynamodb"), settings.table_name)
    s3 = boto3.client("s3")
    for bucket in {settings.documents_bucket, settings.imports_bucket} | _names(template, "AWS::S3::Bucket", refs):
        s3.create_bucket(Bucket=bucket)
    sesv2 = boto3.client("sesv2")
    identities = {
        str(value)
        for props in template.properties_of_type("AWS::SES::EmailIdentity").values()
        if (value := template.resolve(props.get("EmailIdentity")))
    }
    for sender in identities | {settings.sender_email}:
        sesv2.create_email_identity(EmailIdentity=sender)
    for configuration_set in _names(template, "AWS::SES::ConfigurationSet", refs):
        sesv2.create_configuration_set(ConfigurationSetName=configuration_set)


def _load_handlers(template: Template, runtime: Runtime | ArtifactRuntime) -> None:
    """Import every handler now (a warm start); missing or broken ones are reported, not fatal."""
    for function in template.functions.values():
        try:
            runtime.load(function)
        except HandlerMissing as missing:
            print(f"not implemented yet (501): {missing}", file=sys.stderr)
        except Exception:
            print(f"{function.logical_id} failed to import (its routes answer 502):", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)


def _resolved(template: Template, variables: dict[str, Any], refs: dict[str, str]) -> dict[str, str]:
    """Variables whose values resolve locally; the others are left to the settings' defaults."""
    values = {name: template.resolve(value, refs) for name, value in variables.items()}
    return {name: str(value) for name, value in values.items() if value is not None}


def _function_environment(template: Template, function: Function, refs: dict[str, str]) -> dict[str, str]:
    return {"POWERTOOLS_SERVICE_NAME": function.name} | _resolved(template, function.environment, refs)


def _names(template: Template, resource_type: str, refs: dict[str, str]) -> set[str]:
    return {template.physical_name(logical_id, refs) for logical_id in template.properties_of_type(resource_type)}
