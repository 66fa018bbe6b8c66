"""The local runtime differs from the deployed stack only where local/overrides.py says, with a reason."""

from __future__ import annotations

import json

from local import overrides
from local.template import Template
from tests.conftest import ROOT

TEMPLATE = ROOT / "template.yaml"


def test_every_overridden_parameter_is_a_template_parameter_with_a_reason() -> None:
    declared = Template(TEMPLATE).doc["Parameters"]
    for name, override in overrides.PARAMETERS.items():
        assert name in declared, name
        assert override.value != declared[name].get("Default"), f"{name}: not a difference"
        assert len(override.reason) > 20, name


def test_deployed_defaults_keep_only_the_stage_name() -> None:
    assert overrides.parameters(deployed_defaults=True) == {"Stage": "local"}
    assert overrides.parameters() == {"Stage": "local"}  # payments run on the template's default, stripe


def test_with_deployed_defaults_every_parameter_is_the_templates_default() -> None:
    declared = Template(TEMPLATE).doc["Parameters"]
    deployed = Template(TEMPLATE, parameters=overrides.parameters(deployed_defaults=True))
    for name, spec in declared.items():
        expected = "local" if name == "Stage" else spec.get("Default")
        assert deployed.resolve({"Ref": name}) == expected, name
    fulfillment = deployed.functions["FulfillmentFunction"].environment
    assert deployed.resolve(fulfillment["PAYMENT_PROVIDER"]) == "stripe"
    local = Template(TEMPLATE, parameters=overrides.parameters())
    assert local.resolve(local.functions["FulfillmentFunction"].environment["PAYMENT_PROVIDER"]) == "stripe"


def test_the_payment_provider_differs_by_its_endpoint_and_keys_only() -> None:
    assert overrides.payment_access("http://127.0.0.1:4242") == {"PAYMENT_API_BASE": "http://127.0.0.1:4242"}
    keys = {"secret_key": "sk_test_x", "publishable_key": "pk_test_x", "webhook_secret": "whsec_x"}
    assert json.loads(overrides.secret_value("PaymentSecret", keys)) == keys
    generated = {overrides.secret_value("SigningSecret", keys) for _ in range(2)}
    assert len(generated) == 2 and not any("sk_test" in value for value in generated)


def test_values_the_template_computes_from_missing_resources_are_named_by_logical_id() -> None:
    template = Template(TEMPLATE)
    parameters = template.properties_of_type("AWS::SSM::Parameter")
    assert set(overrides.resource_values("http://127.0.0.1:3000")) <= set(parameters)
    for logical_id, props in parameters.items():
        if logical_id not in overrides.resource_values(""):
            assert template.resolve(props["Value"]) is not None, logical_id


def test_function_variables_turn_off_only_what_needs_an_aws_service() -> None:
    variables = overrides.function_variables(None)
    assert variables == {
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "LOG_LEVEL": "WARNING",
    }
    assert overrides.function_variables("DEBUG")["LOG_LEVEL"] == "DEBUG"
