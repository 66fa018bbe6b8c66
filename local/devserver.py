"""``python -m local.devserver``: the whole system on ``http://127.0.0.1:$PORT`` (default 3000).

moto's server (in this process, on a free port) stands in for DynamoDB, S3, SES and Cognito. The
order of start-up matters: the environment points at moto (endpoint, dummy credentials, region and
the template's function variables) before ``certtrack.db`` or any handler is imported, because
boto3 and PynamoDB read it then. Ctrl-C (or SIGTERM) stops both servers.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from moto.server import ThreadedMotoServer

from local.template import REGION, Function, Template

ROOT = Path(__file__).resolve().parent.parent
LOCAL_STAGE = "local"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.devserver", description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml", help="the SAM template")
    args = parser.parse_args(argv)
    template = Template(args.template, parameters={"Stage": LOCAL_STAGE})
    sys.path[:0] = [str(path) for path in template.layer_dirs]
    from local.server import attach, make_http_server  # needs the layer on sys.path

    port = int(os.environ.get("PORT", "3000"))
    try:
        http = make_http_server(port)
    except OSError as error:
        print(f"cannot listen on 127.0.0.1:{port}: {error.strerror} (set PORT to another port)", file=sys.stderr)
        return 1
    base_url = f"http://127.0.0.1:{http.server_address[1]}"
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        host, port = moto.get_host_and_port()
        app, logins = _start(template, f"http://{host}:{port}", base_url)
        attach(http, app)
        _print_banner(base_url, logins)
        http.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        http.server_close()
        moto.stop()
    return 0


def _interrupt(_signum: int, _frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt


def _start(template: Template, endpoint: str, base_url: str) -> tuple[Any, list[dict[str, Any]]]:
    """Point the process at moto, create the template's resources, load the handlers, seed."""
    local_variables = {
        "STAGE": LOCAL_STAGE,
        "PUBLIC_BASE_URL": base_url,
        "SIGNING_SECRET": secrets.token_urlsafe(32),  # state lives in moto's memory: a new one per start is fine
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL") or "WARNING",
    }
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }
    )
    os.environ.pop("AWS_PROFILE", None)

    import boto3

    from certtrack.auth import OPERATORS_GROUP

    from local.cognito import IdentityProvider

    identity = IdentityProvider.create(
        boto3.client("cognito-idp"),
        endpoint,
        _pool_name(template),
        sorted(_group_names(template) | {OPERATORS_GROUP}),
    )
    refs = {logical_id: identity.pool_id for logical_id in template.properties_of_type("AWS::Cognito::UserPool")}
    refs |= {logical_id: identity.client_id for logical_id in template.properties_of_type("AWS::Cognito::UserPoolClient")}
    os.environ.update(_resolved(template, template.global_environment, refs) | local_variables)
    environments = {
        function.logical_id: _function_environment(template, function, refs) | local_variables
        for function in template.functions.values()
    }

    from certtrack.db import create_table
    from certtrack.settings import get_settings

    from local.lambdas import HandlerMissing, Runtime
    from local.local_routes import LocalRoutes
    from local.seed import seed
    from local.server import LocalApp

    settings = get_settings()
    create_table(boto3.client("dynamodb"), settings.table_name)
    s3 = boto3.client("s3")
    for bucket in {settings.documents_bucket, settings.imports_bucket} | _names(template, "AWS::S3::Bucket", refs):
        s3.create_bucket(Bucket=bucket)
    sesv2 = boto3.client("sesv2")
    for sender in {settings.sender_email} | _email_identities(template):
        sesv2.create_email_identity(EmailIdentity=sender)
    for configuration_set in _names(template, "AWS::SES::ConfigurationSet", refs):
        sesv2.create_configuration_set(ConfigurationSetName=configuration_set)

    runtime = Runtime(environments)
    for function in template.functions.values():
        try:
            runtime.load(function)
        except HandlerMissing as missing:
            print(f"not implemented yet (501): {missing}", file=sys.stderr)
        except Exception:
            print(f"{function.logical_id} failed to import (its routes answer 502):", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)

    logins = seed(datetime.now(UTC))["logins"]
    for login in logins:
        identity.login(login["username"], login["password"], list(login.get("groups", [])))
    app = LocalApp(
        template,
        runtime,
        identity,
        LocalRoutes(template, runtime, identity, s3, settings.imports_bucket),
        ROOT / "web",
        LOCAL_STAGE,
    )
    return app, logins


def _resolved(template: Template, variables: dict[str, Any], refs: dict[str, str]) -> dict[str, str]:
    """Variables whose values resolve locally; the rest are left to the settings' defaults."""
    values = {name: template.resolve(value, refs) for name, value in variables.items()}
    return {name: str(value) for name, value in values.items() if value is not None}


def _function_environment(template: Template, function: Function, refs: dict[str, str]) -> dict[str, str]:
    return {"POWERTOOLS_SERVICE_NAME": function.name} | _resolved(template, function.environment, refs)


def _pool_name(template: Template) -> str:
    pools = list(template.properties_of_type("AWS::Cognito::UserPool"))
    return template.physical_name(pools[0]) if pools else "certtrack-local-users"


def _group_names(template: Template) -> set[str]:
    groups = template.properties_of_type("AWS::Cognito::UserPoolGroup").values()
    return {str(name) for props in groups if (name := template.resolve(props.get("GroupName")))}


def _names(template: Template, resource_type: str, refs: dict[str, str]) -> set[str]:
    return {template.physical_name(logical_id, refs) for logical_id in template.properties_of_type(resource_type)}


def _email_identities(template: Template) -> set[str]:
    identities = template.properties_of_type("AWS::SES::EmailIdentity").values()
    return {str(value) for props in identities if (value := template.resolve(props.get("EmailIdentity")))}


def _print_banner(base_url: str, logins: list[dict[str, Any]]) -> None:
    lines = [f"certtrack local: {base_url}/app/  (API at {base_url}, local-only routes under /_local/)"]
    if logins:
        lines.append("demo logins (username / password):")
        lines += [f"  {login['username']} / {login['password']}  {login.get('note', '')}".rstrip() for login in logins]
    lines.append("ready")
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
