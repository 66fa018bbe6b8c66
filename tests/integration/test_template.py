"""template.yaml: its structure. cfn-lint, SAM CLI's own validation, ``sam build`` and checkov are
in ``tests/deploy/test_template_tools.py``."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
DESIGN = ROOT.parent / "shared" / "DESIGN.md"  # the contract, beside the clone (absent in some checkouts)

FUNCTIONS = {
    # logical id: (CodeUri, Handler)
    "AuthMappingFunction": ("functions/auth_mapping/", "app.lambda_handler"),
    "CertificationsFunction": ("functions/certifications/", "app.lambda_handler"),
    "ImportsFunction": ("functions/certifications/", "imports.handler"),
    "ExpiryCheckFunction": ("functions/certifications/", "expiry.handler"),
    "ExpiryWorkerFunction": ("functions/certifications/", "expiry_worker.handler"),
    "FulfillmentFunction": ("functions/fulfillment/", "app.lambda_handler"),
    "TranscriptsFunction": ("functions/transcripts/", "app.lambda_handler"),
    "OperationsFunction": ("functions/operations/", "app.lambda_handler"),
    "SesEventsFunction": ("functions/certifications/", "ses_events.handler"),
    "MappingMailFunction": ("functions/auth_mapping/", "mapping_mail.handler"),
    "ImportChunksFunction": ("functions/certifications/", "import_chunks.handler"),
}

# (METHOD, path) -> owning function. Public routes are exactly those in PUBLIC_ROUTES.
ROUTES = {
    ("GET", "/health"): "AuthMappingFunction",
    ("GET", "/openapi.json"): "AuthMappingFunction",
    ("GET", "/me"): "AuthMappingFunction",
    ("GET", "/me/data-export"): "AuthMappingFunction",
    ("POST", "/me/erase"): "AuthMappingFunction",
    ("POST", "/mapping/email"): "AuthMappingFunction",
    ("POST", "/mapping/score-report"): "AuthMappingFunction",
    ("POST", "/mapping/confirm"): "AuthMappingFunction",
    ("GET", "/public/mapping/dispute"): "AuthMappingFunction",
    ("POST", "/public/mapping/dispute"): "AuthMappingFunction",
    ("GET", "/me/settings"): "AuthMappingFunction",
    ("PUT", "/me/settings"): "AuthMappingFunction",
    ("GET", "/me/attributes"): "AuthMappingFunction",
    ("PUT", "/me/attributes"): "AuthMappingFunction",
    ("GET", "/me/identifiers"): "AuthMappingFunction",
    ("GET", "/me/certifications"): "CertificationsFunction",
    ("GET", "/me/certifications/{cert_id}"): "CertificationsFunction",
    ("POST", "/me/certifications/{cert_id}/certificate"): "CertificationsFunction",
    ("GET", "/me/ce-activities"): "CertificationsFunction",
    ("GET", "/me/exams"): "CertificationsFunction",
    ("GET", "/me/agreements"): "CertificationsFunction",
    ("GET", "/me/logos"): "CertificationsFunction",
    ("POST", "/me/logos/{logo_id}/download"): "CertificationsFunction",
    ("GET", "/me/transactions"): "CertificationsFunction",
    ("GET", "/public/verify/{verification_code}"): "CertificationsFunction",
    ("GET", "/me/badges"): "CertificationsFunction",
    ("GET", "/public/credentials/{credential_id}"): "CertificationsFunction",
    ("POST", "/public/credentials/verify"): "CertificationsFunction",
    ("GET", "/.well-known/did.json"): "CertificationsFunction",
    ("GET", "/public/status/{list_id}"): "CertificationsFunction",
    ("GET", "/reminders/unsubscribe"): "CertificationsFunction",
    ("POST", "/reminders/unsubscribe"): "CertificationsFunction",
    ("GET", "/me/fulfillment/catalog"): "FulfillmentFunction",
    ("GET", "/me/shipping-address"): "FulfillmentFunction",
    ("PUT", "/me/shipping-address"): "FulfillmentFunction",
    ("POST", "/me/fulfillment/orders"): "FulfillmentFunction",
    ("POST", "/payments/webhook"): "FulfillmentFunction",
    ("GET", "/me/fulfillment/history"): "FulfillmentFunction",
    ("GET", "/ops/fulfillment"): "FulfillmentFunction",
    ("PUT", "/ops/fulfillment/{fulfillment_id}"): "FulfillmentFunction",
    ("POST", "/ops/orders/{order_id}/cancel"): "FulfillmentFunction",
    ("GET", "/ops/audit"): "OperationsFunction",
    ("POST", "/ops/imports"): "OperationsFunction",
    ("GET", "/ops/imports"): "OperationsFunction",
    ("GET", "/ops/imports/{import_id}"): "OperationsFunction",
    ("GET", "/ops/candidates"): "OperationsFunction",
    ("GET", "/ops/candidates/{candidate_id}"): "OperationsFunction",
    ("GET", "/ops/support-cases"): "OperationsFunction",
    ("GET", "/ops/support-cases/{case_id}"): "OperationsFunction",
    ("POST", "/ops/support-cases/{case_id}/merge"): "OperationsFunction",
    ("POST", "/ops/support-cases/{case_id}/close"): "OperationsFunction",
    ("POST", "/ops/candidates/{candidate_id}/mapping-email"): "OperationsFunction",
    ("POST", "/ops/logins/{login_sub}/rate-limits/lift"): "OperationsFunction",
    ("POST", "/ops/candidates/{candidate_id}/grants"): "OperationsFunction",
    ("POST", "/ops/candidates/{candidate_id}/certifications/{cert_id}/revoke"): "OperationsFunction",
    ("POST", "/ops/candidates/{candidate_id}/certifications/{cert_id}/extend"): "OperationsFunction",
    ("POST", "/ops/candidates/{candidate_id}/ce-credits"): "OperationsFunction",
    ("POST", "/ops/candidates/{candidate_id}/ce-credits/{external_id}/void"): "OperationsFunction",
    ("PUT", "/ops/candidates/{candidate_id}/name"): "OperationsFunction",
    ("GET", "/me/transcripts"): "TranscriptsFunction",
    ("POST", "/me/transcripts"): "TranscriptsFunction",
    ("GET", "/me/transcripts/{transcript_id}"): "TranscriptsFunction",
    ("PUT", "/me/transcripts/{transcript_id}"): "TranscriptsFunction",
    ("DELETE", "/me/transcripts/{transcript_id}"): "TranscriptsFunction",
    ("POST", "/me/transcripts/{transcript_id}/email"): "TranscriptsFunction",
    ("POST", "/me/transcripts/{transcript_id}/email/preview"): "TranscriptsFunction",
    ("GET", "/public/transcripts/{public_id}"): "TranscriptsFunction",
}
PUBLIC_ROUTES = {
    ("GET", "/health"),
    ("GET", "/openapi.json"),
    ("GET", "/public/mapping/dispute"),
    ("POST", "/public/mapping/dispute"),
    ("GET", "/public/transcripts/{public_id}"),
    ("GET", "/public/verify/{verification_code}"),
    ("GET", "/public/credentials/{credential_id}"),
    ("POST", "/public/credentials/verify"),
    ("GET", "/.well-known/did.json"),
    ("GET", "/public/status/{list_id}"),
    ("POST", "/payments/webhook"),
    ("GET", "/reminders/unsubscribe"),
    ("POST", "/reminders/unsubscribe"),
}

ENVIRONMENT = {
    "TABLE_NAME",
    "DOCUMENTS_BUCKET",
    "IMPORTS_BUCKET",
    "SENDER_EMAIL",
    "SES_CONFIGURATION_SET",
    "PUBLIC_BASE_URL_PARAMETER",
    "CANDIDATE_PREFIX",
    "STAGE",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "LOG_LEVEL",
}
SENDS_EMAIL = {
    "AuthMappingFunction",
    "MappingMailFunction",
    "ExpiryWorkerFunction",
    "TranscriptsFunction",
    "ImportChunksFunction",  # congratulations mail
    "FulfillmentFunction",  # order confirmation and shipping mail
    "OperationsFunction",  # a merged case's candidate is told
}


# ------------------------------------------------------------------------------ helpers


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    parsed, errors = decode(str(TEMPLATE))
    assert not errors, [str(e) for e in errors]
    assert parsed is not None
    return dict(parsed)


def resources(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def api_events(template: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(function logical id, event name, event Properties) of every ``Type: Api`` event."""
    out = []
    for logical_id, fn in resources(template, "AWS::Serverless::Function").items():
        for name, event in (fn["Properties"].get("Events") or {}).items():
            if event["Type"] == "Api":
                out.append((logical_id, name, event["Properties"]))
    return out


def route_key(props: dict[str, Any]) -> tuple[str, str]:
    return str(props["Method"]).upper(), str(props["Path"])


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def statements(fn: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for policy in fn["Properties"].get("Policies") or []:
        if isinstance(policy, dict) and "Statement" in policy:
            out.extend(policy["Statement"])
    return out


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement.get("Action", [])
    return [action] if isinstance(action, str) else list(action)


# ------------------------------------------------------------------------------ structure


def test_every_function_is_python313_on_the_architecture_parameter_with_the_layer(template: dict[str, Any]) -> None:
    glob = template["Globals"]["Function"]
    assert glob["Runtime"] == "python3.13"
    assert glob["Architectures"] == [{"Ref": "Architecture"}]
    assert template["Parameters"]["Architecture"]["Default"] == "arm64"
    assert glob["AutoPublishAlias"] == "live"
    assert glob["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert glob["Layers"] == [{"Ref": "SharedLayer"}]
    assert glob["Tracing"] == "Active"
    functions = resources(template, "AWS::Serverless::Function")
    assert set(functions) == set(FUNCTIONS)
    for logical_id, fn in functions.items():
        props = fn["Properties"]
        for key in ("Runtime", "Architectures", "Layers"):
            assert key not in props, f"{logical_id} overrides Globals.{key}"
        assert (props["CodeUri"], props["Handler"]) == FUNCTIONS[logical_id]


def test_handlers_point_at_code(template: dict[str, Any]) -> None:
    for logical_id, (code_uri, handler) in FUNCTIONS.items():
        module, attribute = handler.rsplit(".", 1)
        source = ROOT / code_uri / f"{module}.py"
        assert source.is_file(), f"{logical_id}: {source.relative_to(ROOT)} is missing"
        text = source.read_text(encoding="utf-8")
        defined = re.search(rf"^(?:async\s+)?def\s+{attribute}\b|^{attribute}\s*[:=]", text, re.MULTILINE)
        assert defined, f"{logical_id}: {handler} is not defined in {source.relative_to(ROOT)}"
        assert (ROOT / code_uri / "requirements.txt").is_file(), "sam build reads a requirements.txt per CodeUri"


def test_shared_layer_is_a_makefile_build_for_the_architecture(template: dict[str, Any]) -> None:
    layer = template["Resources"]["SharedLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"] == "layers/shared/"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == [{"Ref": "Architecture"}]
    assert layer["Metadata"] == {"BuildMethod": "makefile"}
    makefile = (ROOT / "layers/shared/Makefile").read_text(encoding="utf-8")
    assert "build-SharedLayer:" in makefile and "--require-hashes" in makefile
    assert "compileall" in makefile and "--invalidation-mode unchecked-hash" in makefile
    assert (ROOT / "layers/shared/certtrack/__init__.py").is_file(), "the package sits at the root of ContentUri"


def test_environment_names_every_setting(template: dict[str, Any]) -> None:
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert set(env) >= ENVIRONMENT
    assert env["TABLE_NAME"] == {"Ref": "Table"}
    assert env["DOCUMENTS_BUCKET"] == {"Ref": "DocumentsBucket"}
    assert env["SES_CONFIGURATION_SET"] == {"Ref": "EmailConfigurationSet"}
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "CertTrack"
    # By name (a Ref would be circular through the bucket's notification to ImportsFunction).
    assert env["IMPORTS_BUCKET"] == template["Resources"]["ImportsBucket"]["Properties"]["BucketName"]
    assert template["Parameters"]["CandidatePrefix"]["Default"] == "CSCO"


def test_no_secret_in_any_environment_and_only_signers_read_the_signing_secret(template: dict[str, Any]) -> None:
    assert "SigningSecret" not in template["Parameters"]
    assert template["Resources"]["SigningSecret"]["Type"] == "AWS::SecretsManager::Secret"
    assert "GenerateSecretString" in template["Resources"]["SigningSecret"]["Properties"]
    readers, badge_readers, payment_readers = set(), set(), set()
    for logical_id, fn in resources(template, "AWS::Serverless::Function").items():
        env = {**template["Globals"]["Function"]["Environment"]["Variables"]}
        env |= (fn["Properties"].get("Environment") or {}).get("Variables") or {}
        assert not [name for name in env if "SECRET" in name and not name.endswith("_ARN")], logical_id
        grants = [s for s in statements(fn) if "secretsmanager:GetSecretValue" in actions(s)]
        # A function reads exactly the secrets its *_SECRET_ARN variables name, nothing else.
        named = [value for name, value in env.items() if name.endswith("_SECRET_ARN")]
        assert sorted(str(g["Resource"]) for g in grants) == sorted(map(str, named)), logical_id
        if env.get("SIGNING_SECRET_ARN"):
            assert env["SIGNING_SECRET_ARN"] == {"Ref": "SigningSecret"}
            readers.add(logical_id)
        if env.get("BADGE_KEYS_SECRET_ARN"):
            assert env["BADGE_KEYS_SECRET_ARN"] == {"Ref": "BadgeSigningKeys"}
            badge_readers.add(logical_id)
        if env.get("PAYMENT_SECRET_ARN"):
            assert env["PAYMENT_SECRET_ARN"] == {"Ref": "PaymentSecret"}
            payment_readers.add(logical_id)
    # The unsubscribe route checks reminder links; the daily check signs them.
    assert readers == {"CertificationsFunction", "ExpiryWorkerFunction"}
    # Only the certifications function signs badges.
    assert badge_readers == {"CertificationsFunction"}
    assert "GenerateSecretString" in template["Resources"]["BadgeSigningKeys"]["Properties"]
    # The payment provider's keys: orders create payments, the webhook checks signatures, the daily
    # check asks the provider about unpaid orders and cancels the abandoned ones.
    assert payment_readers == {"FulfillmentFunction", "ExpiryWorkerFunction"}
    assert "GenerateSecretString" not in template["Resources"]["PaymentSecret"]["Properties"]  # the operator's keys


def test_table_matches_the_code_definition(template: dict[str, Any]) -> None:
    from certtrack.db import TABLE_DEFINITION

    table = template["Resources"]["Table"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    props = table["Properties"]
    assert props["BillingMode"] == TABLE_DEFINITION["BillingMode"] == "PAY_PER_REQUEST"

    def attrs(defs: list[dict[str, Any]]) -> set[tuple[str, str]]:
        return {(d["AttributeName"], d["AttributeType"]) for d in defs}

    def index(gsi: dict[str, Any]) -> tuple[Any, ...]:
        keys = tuple((k["AttributeName"], k["KeyType"]) for k in gsi["KeySchema"])
        return gsi["IndexName"], keys, gsi["Projection"]["ProjectionType"]

    assert attrs(props["AttributeDefinitions"]) == attrs(TABLE_DEFINITION["AttributeDefinitions"])
    assert [dict(k) for k in props["KeySchema"]] == TABLE_DEFINITION["KeySchema"]
    assert sorted(map(index, props["GlobalSecondaryIndexes"])) == sorted(
        map(index, TABLE_DEFINITION["GlobalSecondaryIndexes"])
    )
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True


def test_every_route_is_declared_once_by_its_owner(template: dict[str, Any]) -> None:
    events = api_events(template)
    counts = Counter(route_key(props) for _, _, props in events)
    assert [key for key, n in counts.items() if n > 1] == []
    declared = {route_key(props): fn for fn, _, props in events}
    assert declared == ROUTES
    for fn, name, props in events:
        assert props["RestApiId"] == {"Ref": "Api"}, f"{fn}.{name} is not on the one REST API"
        assert str(props["Method"]) == str(props["Method"]).lower(), f"{fn}.{name}: method in lower case"


# Routes of the contract whose issue is still open: each leaves this table when it is built (the
# test fails if a route here is already in the template, or if the contract names one not listed).
PENDING_ROUTES: dict[tuple[str, str], str] = {}


def test_design_routes_are_all_in_the_template(template: dict[str, Any]) -> None:
    if not DESIGN.is_file():
        pytest.skip("shared/DESIGN.md is not beside this checkout")

    def normal(path: str) -> str:
        return re.sub(r"\{[^}]*\}", "{}", path.split("?", 1)[0])

    declared = {(method, normal(path)) for method, path in ROUTES}
    pattern = re.compile(r"\b((?:GET|POST|PUT|DELETE|PATCH)(?:\|(?:GET|POST|PUT|DELETE|PATCH))*)\s+(/[^\s`,;)]*)")
    in_design = {
        (method, normal(match.group(2)))
        for match in pattern.finditer(DESIGN.read_text(encoding="utf-8"))
        if not match.group(2).startswith("/_local")
        for method in match.group(1).split("|")
    }
    assert len(in_design) > 20, "the route list of DESIGN.md was not recognised"
    assert in_design - declared == set(PENDING_ROUTES)
    assert declared & set(PENDING_ROUTES) == set(), "built: take it out of PENDING_ROUTES"


def test_authorizer_is_cognito_except_on_public_routes(template: dict[str, Any]) -> None:
    auth = template["Resources"]["Api"]["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == "CognitoAuthorizer"
    assert auth["AddDefaultAuthorizerToCorsPreflight"] is False
    assert auth["Authorizers"]["CognitoAuthorizer"]["UserPoolArn"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
    for fn, name, props in api_events(template):
        authorizer = (props.get("Auth") or {}).get("Authorizer", "CognitoAuthorizer")
        expected = "NONE" if route_key(props) in PUBLIC_ROUTES else "CognitoAuthorizer"
        assert authorizer == expected, f"{fn}.{name} {route_key(props)}"


def test_no_local_only_route(template: dict[str, Any]) -> None:
    assert not [props["Path"] for _, _, props in api_events(template) if str(props["Path"]).startswith("/_local")]

    def strings(node: Any) -> list[str]:
        if isinstance(node, dict):
            return [s for value in node.values() for s in strings(value)]
        if isinstance(node, list):
            return [s for value in node for s in strings(value)]
        return [node] if isinstance(node, str) else []

    assert not [s for s in strings(template["Resources"]) if "/_local" in s]


def test_buckets_are_private_and_encrypted(template: dict[str, Any]) -> None:
    buckets = resources(template, "AWS::S3::Bucket")
    assert {"DocumentsBucket", "ImportsBucket", "WebBucket"} <= set(buckets)
    for logical_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, logical_id
        assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}], logical_id
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], logical_id
        assert "WebsiteConfiguration" not in props and "AccessControl" not in props, logical_id


def test_identity_mail_and_triggers(template: dict[str, Any]) -> None:
    res = template["Resources"]
    assert res["UserPool"]["Type"] == "AWS::Cognito::UserPool"
    assert res["UserPoolClient"]["Properties"]["UserPoolId"] == {"Ref": "UserPool"}
    assert res["UserPoolClient"]["Properties"]["GenerateSecret"] is False
    assert res["OperatorsGroup"]["Properties"] == {
        "GroupName": "operators",
        "Description": res["OperatorsGroup"]["Properties"]["Description"],
        "UserPoolId": {"Ref": "UserPool"},
    }
    assert res["EmailIdentity"]["Properties"]["EmailIdentity"] == {"Ref": "SenderEmail"}
    assert res["EmailConfigurationSet"]["Type"] == "AWS::SES::ConfigurationSet"

    imports = res["ImportsFunction"]["Properties"]["Events"]
    prefixes = set()
    for event in imports.values():
        assert event["Type"] == "S3"
        assert event["Properties"]["Bucket"] == {"Ref": "ImportsBucket"}
        rules = {r["Name"]: r["Value"] for r in event["Properties"]["Filter"]["S3Key"]["Rules"]}
        assert rules["suffix"] == ".csv"
        prefixes.add(rules["prefix"])
    assert prefixes == {"exams/", "ce-credits/"}

    (schedule,) = res["ExpiryCheckFunction"]["Properties"]["Events"].values()
    assert schedule["Type"] == "Schedule"  # a classic rule: its event carries `time`
    assert schedule["Properties"]["Schedule"] == "cron(0 3 * * ? *)"


def test_policies_are_least_privilege(template: dict[str, Any]) -> None:
    for logical_id, fn in resources(template, "AWS::Serverless::Function").items():
        policies = fn["Properties"].get("Policies") or []
        for policy in policies:
            assert not isinstance(policy, str), f"{logical_id}: no managed policies"
            assert not {"DynamoDBCrudPolicy", "S3CrudPolicy", "SESCrudPolicy", "AmazonDynamoDBFullAccess"} & set(
                policy
            ), f"{logical_id}: {sorted(policy)} is broader than needed"
        stmts = statements(fn)
        all_actions = [a for s in stmts for a in actions(s)]
        assert "dynamodb:Scan" not in all_actions, logical_id
        assert not [a for a in all_actions if a == "*" or a.endswith(":*")], logical_id
        # Every function reads the table, some only through Query or BatchGetItem (pinned below).
        assert {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"} & set(all_actions), logical_id
        sends = "ses:SendEmail" in all_actions
        assert sends == (logical_id in SENDS_EMAIL), logical_id
        for statement in stmts:
            if "ses:SendEmail" in actions(statement):
                assert statement["Condition"]["StringEquals"]["ses:FromAddress"] == {"Ref": "SenderEmail"}


# What each function does to the table (read from layers/shared/certtrack and functions/): item
# actions, and the GSIs it queries. Transactions need the per-item actions (Put/Update/ConditionCheck).
TABLE_ACCESS: dict[str, tuple[set[str], set[str]]] = {
    "AuthMappingFunction": ({"GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"}, {"GSI1"}),
    "CertificationsFunction": ({"GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"}, set()),
    # The import record and the run's item; the chunks' rows, markers and counters (a transaction).
    "ImportsFunction": ({"GetItem", "PutItem", "Query", "UpdateItem"}, set()),
    "ImportChunksFunction": ({"BatchGetItem", "GetItem", "PutItem", "Query", "BatchWriteItem", "UpdateItem"}, set()),
    # DeleteItem and ConditionCheckItem: releasing an unpaid order deletes its free-kit claim and
    # verification codes in one transaction.
    "ExpiryCheckFunction": ({"GetItem", "PutItem", "UpdateItem"}, set()),  # the state and the day's item
    "ExpiryWorkerFunction": (
        {"GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"},
        {"GSI2"},
    ),
    "SesEventsFunction": ({"Query", "UpdateItem"}, {"GSI1"}),
    "MappingMailFunction": ({"GetItem", "Query", "PutItem"}, {"GSI1"}),
    # Powertools idempotency records: PutItem, GetItem, UpdateItem, DeleteItem.
    "FulfillmentFunction": (
        {"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"},
        {"GSI1"},
    ),
    "TranscriptsFunction": ({"GetItem", "Query", "PutItem", "UpdateItem"}, {"GSI1"}),
    # Merges: transactions that move items, BatchGetItem of the keys they meet, the survivor's
    # re-evaluation (BatchWriteItem); closing a case, lifting a login's rate windows.
    "OperationsFunction": (
        {
            "GetItem",
            "BatchGetItem",
            "Query",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "ConditionCheckItem",
            "BatchWriteItem",
        },
        {"GSI1", "GSI3"},
    ),
}


def test_each_function_has_only_the_table_actions_it_uses(template: dict[str, Any]) -> None:
    functions = resources(template, "AWS::Serverless::Function")
    assert set(TABLE_ACCESS) == set(functions)
    for logical_id, (expected_actions, expected_indexes) in TABLE_ACCESS.items():
        granted: set[str] = set()
        indexes: set[str] = set()
        for statement in statements(functions[logical_id]):
            table_actions = {a.removeprefix("dynamodb:") for a in actions(statement) if a.startswith("dynamodb:")}
            if not table_actions:
                continue
            assert statement["Effect"] == "Allow"
            granted |= table_actions
            for resource in statement["Resource"]:
                if resource == {"Fn::GetAtt": ["Table", "Arn"]}:
                    continue
                match = re.fullmatch(r"\$\{Table\.Arn\}/index/(GSI\d)", resource["Fn::Sub"])
                assert match, f"{logical_id}: {resource}"
                indexes.add(match.group(1))
        assert granted == expected_actions, logical_id
        assert indexes == expected_indexes, logical_id
        assert not {"Scan", "DescribeTable", "PartiQLSelect"} & granted, logical_id


# ------------------------------------------------------------------------------ failure envelope

ASYNC_FUNCTIONS = {
    # logical id: its failure queue
    "ImportsFunction": "ImportsFailureQueue",
    "SesEventsFunction": "SesEventsFailureQueue",
    "ExpiryCheckFunction": "ExpiryCheckFailureQueue",
}
ALARM_ACTIONS = [{"Ref": "AlarmTopic"}]


def alarms(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()]


def alarms_on(template: dict[str, Any], namespace: str, metric: str) -> list[dict[str, Any]]:
    return [a for a in alarms(template) if (a["Namespace"], a["MetricName"]) == (namespace, metric)]


def dimension(alarm: dict[str, Any], name: str) -> Any:
    (value,) = [d["Value"] for d in alarm["Dimensions"] if d["Name"] == name]
    return value


def test_asynchronous_failures_are_kept_and_watched(template: dict[str, Any]) -> None:
    res = template["Resources"]
    depth = alarms_on(template, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    for logical_id, queue_id in ASYNC_FUNCTIONS.items():
        props = res[logical_id]["Properties"]
        assert props["DeadLetterQueue"] == {"Type": "SQS", "TargetArn": {"Fn::GetAtt": [queue_id, "Arn"]}}
        queue = res[queue_id]
        assert queue["Type"] == "AWS::SQS::Queue"
        assert queue["Properties"]["SqsManagedSseEnabled"] is True, queue_id
        assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600, queue_id
        watching = [a for a in depth if dimension(a, "QueueName") == {"Fn::GetAtt": [queue_id, "QueueName"]}]
        assert len(watching) == 1, f"{queue_id}: one depth alarm"
        (alarm,) = watching
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold"), queue_id
        assert alarm["AlarmActions"] == ALARM_ACTIONS, queue_id

    # The schedule rule's own dead letters (events it could not deliver) go to the same queue,
    # which lets only that rule send.
    (schedule,) = res["ExpiryCheckFunction"]["Properties"]["Events"].values()
    assert schedule["Properties"]["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["ExpiryCheckFailureQueue", "Arn"]}}
    policy = res["ExpiryCheckFailureQueuePolicy"]["Properties"]
    assert policy["Queues"] == [{"Ref": "ExpiryCheckFailureQueue"}]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    rule_arn = {"Fn::GetAtt": ["ExpiryCheckFunctionDailyExpiryCheck", "Arn"]}
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == rule_arn

    # Synchronous (API) functions have no queue: the client gets the error.
    for logical_id, fn in resources(template, "AWS::Serverless::Function").items():
        if logical_id not in ASYNC_FUNCTIONS:
            assert "DeadLetterQueue" not in fn["Properties"], logical_id


def test_queued_jobs_are_retried_then_dead_lettered_and_watched(template: dict[str, Any]) -> None:
    """An SQS-driven worker: partial batch failures, a redrive policy, a watched dead-letter queue."""
    res = template["Resources"]
    depth = alarms_on(template, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    workers = {
        logical_id: event["Properties"]
        for logical_id, fn in resources(template, "AWS::Serverless::Function").items()
        for event in fn["Properties"]["Events"].values()
        if event["Type"] == "SQS"
    }
    assert set(workers) == {"MappingMailFunction", "ImportChunksFunction", "ExpiryWorkerFunction"}
    for logical_id, source in workers.items():
        assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"], logical_id
        (queue_id, _) = source["Queue"]["Fn::GetAtt"]
        queue = res[queue_id]["Properties"]
        timeout = res[logical_id]["Properties"]["Timeout"]
        assert queue["VisibilityTimeout"] >= 6 * timeout, queue_id  # what Lambda's SQS event source asks
        assert queue["SqsManagedSseEnabled"] is True
        dead = queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        assert 1 < queue["RedrivePolicy"]["maxReceiveCount"] <= 10
        assert res[dead]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
        watching = [a for a in depth if dimension(a, "QueueName") == {"Fn::GetAtt": [dead, "QueueName"]}]
        assert len(watching) == 1 and watching[0]["AlarmActions"] == ALARM_ACTIONS, dead


def test_asynchronous_functions_have_bounded_concurrency(template: dict[str, Any]) -> None:
    res = template["Resources"]
    for logical_id, parameter, default in (
        ("ImportsFunction", "ImportsReservedConcurrency", 2),
        ("ExpiryCheckFunction", "ExpiryCheckReservedConcurrency", 1),
    ):
        assert res[logical_id]["Properties"]["ReservedConcurrentExecutions"] == {"Ref": parameter}
        assert template["Parameters"][parameter]["Default"] == default
        assert template["Parameters"][parameter]["MinValue"] >= 1


def test_every_function_alarms_on_errors_and_throttles(template: dict[str, Any]) -> None:
    for metric in ("Errors", "Throttles"):
        watched = Counter(
            dimension(a, "FunctionName")["Ref"]
            for a in alarms_on(template, "AWS/Lambda", metric)
            if a["Threshold"] == 0 and a["ComparisonOperator"] == "GreaterThanThreshold"
        )
        assert watched == Counter(FUNCTIONS.keys()), metric


def test_every_alarm_notifies_the_encrypted_alarm_topic(template: dict[str, Any]) -> None:
    res = template["Resources"]
    found = alarms(template)
    assert len(found) >= 2 * len(FUNCTIONS) + len(ASYNC_FUNCTIONS) + 3
    for alarm in found:
        assert alarm["AlarmActions"] == ALARM_ACTIONS, alarm["AlarmDescription"]
        assert alarm["OKActions"] == ALARM_ACTIONS, alarm["AlarmDescription"]
        assert alarm["TreatMissingData"] == "notBreaching", alarm["AlarmDescription"]

    # CloudWatch cannot publish to a topic under the AWS managed key alias/aws/sns (its policy does
    # not let cloudwatch.amazonaws.com use it): a customer managed key whose policy does.
    topic = res["AlarmTopic"]
    assert topic["Type"] == "AWS::SNS::Topic"
    assert topic["Properties"]["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    key = res["AlarmTopicKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    services = [s for s in key["KeyPolicy"]["Statement"] if "Service" in s["Principal"]]
    assert {"cloudwatch.amazonaws.com", "ses.amazonaws.com"} <= {p for s in services for p in s["Principal"]["Service"]}
    for statement in services:
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert res["EmailEventsTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}

    # The mail subscription exists only when AlarmEmail is set.
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""
    assert template["Conditions"]["HasAlarmEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    subscriptions = resources(template, "AWS::SNS::Subscription")
    assert [s["Condition"] for s in subscriptions.values()] == ["HasAlarmEmail"]
    (subscription,) = subscriptions.values()
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "AlarmTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }


def test_api_and_table_alarms(template: dict[str, Any]) -> None:
    api_dimensions = [
        {"Name": "ApiName", "Value": {"Fn::Sub": "certtrack-${Stage}"}},
        {"Name": "Stage", "Value": {"Ref": "Stage"}},
    ]
    assert template["Resources"]["Api"]["Properties"]["Name"] == {"Fn::Sub": "certtrack-${Stage}"}
    (errors,) = alarms_on(template, "AWS/ApiGateway", "5XXError")
    assert errors["Dimensions"] == api_dimensions
    assert (errors["Statistic"], errors["Threshold"], errors["ComparisonOperator"]) == (
        "Sum",
        0,
        "GreaterThanThreshold",
    )
    (latency,) = alarms_on(template, "AWS/ApiGateway", "Latency")
    assert latency["Dimensions"] == api_dimensions
    assert latency["ExtendedStatistic"] == "p99"
    assert latency["Threshold"] == {"Ref": "ApiLatencyThresholdMs"}
    assert template["Parameters"]["ApiLatencyThresholdMs"]["Default"] == 3000

    throttles = alarms_on(template, "AWS/DynamoDB", "ReadThrottleEvents") + alarms_on(
        template, "AWS/DynamoDB", "WriteThrottleEvents"
    )
    assert len(throttles) == 2
    for alarm in throttles:
        assert alarm["Dimensions"] == [{"Name": "TableName", "Value": {"Ref": "Table"}}]
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_api_access_log_is_json_without_personal_data(template: dict[str, Any]) -> None:
    import json

    res = template["Resources"]
    api = res["Api"]
    setting = api["Properties"]["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    group = res["ApiAccessLogGroup"]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}

    line = json.loads(setting["Format"])  # one JSON object per request
    assert isinstance(line, dict)
    values = set(line.values())
    for variable in (
        "$context.requestId",
        "$context.extendedRequestId",
        "$context.identity.sourceIp",
        "$context.httpMethod",
        "$context.resourcePath",
        "$context.status",
        "$context.responseLatency",
        "$context.integrationLatency",
        "$context.error.message",
    ):
        assert variable in values, variable
    text = setting["Format"].lower()
    # No bodies, headers (Authorization), authorizer claims, user names or concrete paths (ids, links).
    for forbidden in ("authorizer", "claims", "header", "body", "user", "cognito", "$context.path", "querystring"):
        assert forbidden not in text, forbidden
    assert api["Properties"]["MethodSettings"][0]["DataTraceEnabled"] is False

    # Access logs need the region's API Gateway CloudWatch role, set before the stage exists.
    assert api["DependsOn"] == "ApiGatewayAccount"
    account = res["ApiGatewayAccount"]
    assert account["Type"] == "AWS::ApiGateway::Account"
    assert account["Properties"]["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayCloudWatchRole", "Arn"]}
    role = res["ApiGatewayCloudWatchRole"]
    assert role["DeletionPolicy"] == "Retain"
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "apigateway.amazonaws.com"}


def test_table_is_protected_from_deletion(template: dict[str, Any]) -> None:
    table = template["Resources"]["Table"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    props = table["Properties"]
    assert props["DeletionProtectionEnabled"] is True
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True


def test_api_answers_its_own_errors_as_problem_json(template: dict[str, Any]) -> None:
    api = template["Resources"]["Api"]["Properties"]
    assert api["StageName"] == {"Ref": "Stage"}
    assert api["MethodSettings"][0]["ThrottlingRateLimit"]
    responses = api["GatewayResponses"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED", "THROTTLED"} <= set(responses)
    for name, response in responses.items():
        headers = response["ResponseParameters"]["Headers"]
        assert headers["Content-Type"] == "'application/problem+json'", name
        body = response["ResponseTemplates"]["application/json"]
        assert '"code":' in body and '"type":' in body and '"title":' in body, name


def test_outputs(template: dict[str, Any]) -> None:
    expected = {
        "ApiUrl",
        "UserPoolId",
        "UserPoolClientId",
        "TableName",
        "DocumentsBucketName",
        "ImportsBucketName",
        "WebBucket",
    }
    assert expected <= set(template["Outputs"])


def test_sample_event_for_every_entry_point(template: dict[str, Any]) -> None:
    import json

    for logical_id, fn in resources(template, "AWS::Serverless::Function").items():
        folder = Path(fn["Properties"]["CodeUri"]).name
        for name, event in fn["Properties"]["Events"].items():
            path = ROOT / "events" / folder / f"{snake(name)}.json"
            assert path.is_file(), f"{logical_id}.{name}: no {path.relative_to(ROOT)}"
            sample = json.loads(path.read_text(encoding="utf-8"))
            if event["Type"] == "Api":
                method, resource = route_key(event["Properties"])
                assert (sample["httpMethod"], sample["resource"]) == (method, resource), path
                claims = (sample["requestContext"].get("authorizer") or {}).get("claims")
                assert bool(claims) == ((method, resource) not in PUBLIC_ROUTES), path
            elif event["Type"] == "SNS":
                assert sample["Records"][0]["EventSource"] == "aws:sns", path
            elif event["Type"] == "SQS":
                assert sample["Records"][0]["eventSource"] == "aws:sqs", path
            elif event["Type"] == "S3":
                assert sample["Records"][0]["eventName"].startswith("ObjectCreated:"), path
            else:
                assert sample["detail-type"] == "Scheduled Event" and sample["time"], path


# ------------------------------------------------------------------------------ the one public origin


def test_one_public_origin_serves_the_web_client_privately_and_the_api(template: dict[str, Any]) -> None:
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    origins = {origin["Id"]: origin for origin in config["Origins"]}
    assert origins["api"]["DomainName"] == {"Fn::Sub": "${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert origins["api"]["OriginPath"] == {"Fn::Sub": "/${Stage}"}
    assert origins["api"]["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origins["web"]["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    assert (
        template["Resources"]["WebOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]["SigningBehavior"]
        == "always"
    )
    # Every API path goes to the API with every method; /app/* to the bucket.
    default = config["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == "api"
    assert set(default["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    [app] = config["CacheBehaviors"]
    assert (app["PathPattern"], app["TargetOriginId"]) == ("/app/*", "web")
    for behaviour in (default, app):
        assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}
    # The API's cache key holds Authorization: nothing can reach another login.
    cache = template["Resources"]["ApiCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert cache["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"] == ["Authorization"]
    assert cache["DefaultTTL"] == 0
    # The bucket stays private: only this distribution may read the web client.
    [grant] = [
        s
        for s in template["Resources"]["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow"
    ]
    assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"} and grant["Action"] == "s3:GetObject"
    assert "${Distribution}" in grant["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]


def test_security_headers_on_every_answer_of_the_distribution(template: dict[str, Any]) -> None:
    headers = template["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    assert "frame-ancestors 'none'" in headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]


def test_custom_domain_is_optional_and_the_public_url_follows_the_distribution(template: dict[str, Any]) -> None:
    params = template["Parameters"]
    assert params["DomainName"]["Default"] == "" and params["CertificateArn"]["Default"] == ""
    assert "PublicBaseUrl" not in params
    value = template["Resources"]["PublicBaseUrlParameter"]["Properties"]["Value"]
    assert value == {
        "Fn::If": [
            "HasCustomDomain",
            {"Fn::Sub": "https://${DomainName}"},
            {"Fn::Sub": "https://${Distribution.DomainName}"},
        ]
    }
    name = template["Resources"]["PublicBaseUrlParameter"]["Properties"]["Name"]
    assert template["Globals"]["Function"]["Environment"]["Variables"]["PUBLIC_BASE_URL_PARAMETER"] == name

    # No cycle: no function's environment refers to the distribution (it points at the API).
    def refers_to_distribution(node: Any) -> bool:
        if isinstance(node, dict):
            return any(refers_to_distribution(v) for v in node.values()) or node.get("Ref") == "Distribution"
        if isinstance(node, list):
            return any(refers_to_distribution(v) for v in node)
        return isinstance(node, str) and "Distribution" in node

    for logical_id, fn in resources(template, "AWS::Serverless::Function").items():
        assert not refers_to_distribution(fn["Properties"].get("Environment")), logical_id
        reads = [s for s in statements(fn) if "ssm:GetParameter" in actions(s)]
        assert reads and "public-base-url" in reads[0]["Resource"]["Fn::Sub"], logical_id


def test_web_acl_with_managed_rules_and_rate_limits_on_guessing_and_public_routes(template: dict[str, Any]) -> None:
    acl = template["Resources"]["WebAcl"]
    assert acl["Properties"]["Scope"] == "CLOUDFRONT"
    rules = {rule["Name"]: rule for rule in acl["Properties"]["Rules"]}
    managed = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for rule in rules.values()
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"} <= managed
    limited = {
        rule["Statement"]["RateBasedStatement"]["ScopeDownStatement"]["ByteMatchStatement"]["SearchString"]
        for rule in rules.values()
        if "RateBasedStatement" in rule["Statement"]
    }
    assert limited == {"/mapping/", "/public/"}
    web_acl_id = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["WebACLId"]
    assert web_acl_id["Fn::If"][0] == "CreatesWebAcl"


def test_the_imports_bucket_takes_console_uploads_from_the_public_origin_only(template: dict[str, Any]) -> None:
    res = template["Resources"]
    (rule,) = res["ImportsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedOrigins"] == [
        {
            "Fn::If": [
                "HasCustomDomain",
                {"Fn::Sub": "https://${DomainName}"},
                {"Fn::Sub": "https://${Distribution.DomainName}"},
            ]
        }
    ]
    # The role that signs the upload form may write (and read reports) only under the trigger's prefixes.
    granted = [st for st in statements(res["OperationsFunction"]) if any(a.startswith("s3:") for a in actions(st))]
    (statement,) = granted
    assert sorted(actions(statement)) == ["s3:GetObject", "s3:PutObject"]
    prefixes = sorted(str(r["Fn::Sub"]).rsplit("/", 2)[-2] for r in statement["Resource"])
    assert prefixes == ["ce-credits", "exams"]
    triggers = {
        rule["Value"]
        for event in res["ImportsFunction"]["Properties"]["Events"].values()
        for rule in event["Properties"]["Filter"]["S3Key"]["Rules"]
        if rule["Name"] == "prefix"
    }
    assert triggers == {f"{p}/" for p in prefixes}
