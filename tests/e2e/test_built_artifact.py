"""The deployed shape: what ``sam build`` makes, with the template's defaults, behind the local front.

The artifact is built for this machine's architecture (``local.build``: the layer's makefile build,
the hashed lock, bytecode) and the dev server runs every function from it in an interpreter that
sees only what Lambda sees (``local.artifact``): the task root, the built layer, the standard
library; no dev venv, no bytecode written. ``--deployed-defaults``: every template parameter at its
default, so payments go through Stripe's API, here localstripe by ``PAYMENT_API_BASE`` only.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from local import build
from local.artifact import WORKER
from tests.e2e.devserver_fixture import running_devserver
from tests.e2e.hardening_support import (
    HELD_CERT,
    TIMEOUT,
    bearer,
    demo_login,
    login,
    map_login_by_email,
    shipping_address,
    throwaway_login,
    transcript_request,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(build.SAM_TIMEOUT_S)]


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("artifact")
    return build.build(root / "build", build.host_arch(), cache_dir=root / "cache")


@pytest.fixture(scope="module")
def deployed(artifact: Path) -> Iterator[str]:
    with running_devserver(args=["--artifact", str(artifact), "--deployed-defaults"]) as base_url:
        yield base_url


def test_a_built_function_sees_only_the_task_root_the_layer_and_the_standard_library(
    artifact: Path, tmp_path: Path
) -> None:
    """The worker's interpreter: nothing from the dev venv, boto3 from the layer, no bytecode written."""
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "probe.py").write_text(
        "import sys, importlib.util\n"
        "import boto3, botocore\n"
        "def handler(event, context):\n"
        "    return {'path': sys.path, 'boto3': boto3.__file__, 'botocore': botocore.__version__,\n"
        "            'pytest': importlib.util.find_spec('pytest') is not None,\n"
        "            'no_bytecode': sys.dont_write_bytecode, 'flags': [sys.flags.isolated, sys.flags.no_site]}\n",
        encoding="utf-8",
    )
    layer = build.layer_dir(artifact)
    process = subprocess.run(
        [str(build.python313()), "-I", "-S", "-B", str(WORKER), str(probe), str(layer), "probe.handler"],
        input=json.dumps({"event": {}, "context": _context()}) + "\n",
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=60,
        check=True,
    )
    ready, answer = (json.loads(line) for line in process.stdout.splitlines())
    assert ready == {"ready": True}
    result = answer["result"]
    assert result["path"][:2] == [str(probe), str(layer)]
    assert not [p for p in result["path"] if "site-packages" in p or ".venv" in p], result["path"]
    assert result["boto3"].startswith(str(layer))
    import botocore

    assert result["botocore"] == botocore.__version__  # the pair the tests run
    assert result["pytest"] is False
    assert result["no_bytecode"] is True and result["flags"] == [1, 1]
    assert not list(probe.rglob("*.pyc"))


def _context() -> dict[str, object]:
    return {
        "function_name": "probe",
        "memory_limit_in_mb": 128,
        "invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:probe",
        "aws_request_id": "probe",
    }


def test_mapping_certificate_order_and_transcript_journey(deployed: str) -> None:
    # A new login maps itself to its candidate record by email.
    newcomer = login(deployed, f"newcomer-{uuid.uuid4().hex[:8]}")
    candidate_id = map_login_by_email(deployed, newcomer, "alice@example.com")
    me = requests.get(f"{deployed}/me", headers=bearer(newcomer), timeout=TIMEOUT).json()
    assert me["mapped"] is True and me["candidate_id"] == candidate_id

    # A holder downloads the PDF certificate (the lazy PDF path, fonts from the layer).
    demo = demo_login(deployed, "demo")
    made = requests.post(f"{deployed}/me/certifications/{HELD_CERT}/certificate", headers=bearer(demo), timeout=60)
    assert made.status_code == 200, made.text
    pdf = requests.get(made.json()["url"], timeout=TIMEOUT)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")

    # The free initial kit is queued at once ...
    put = requests.put(f"{deployed}/me/shipping-address", json=shipping_address(), headers=bearer(demo), timeout=30)
    assert put.status_code == 200, put.text
    catalog = requests.get(f"{deployed}/me/fulfillment/catalog", headers=bearer(demo), timeout=30).json()
    free = next(i for i in catalog["items"] if i["certification_id"] == HELD_CERT and i["initial_kit"])
    paid = next(i for i in catalog["items"] if i["price_cents"] > 0)
    assert free["price_cents"] == 0
    ordered = _order(deployed, demo, {"skus": [free["sku"]], "tracking": False})
    assert ordered.status_code == 201, ordered.text
    assert (ordered.json()["total_cents"], ordered.json()["status"]) == (0, "queued")

    # ... a paid one awaits its payment, which the provider's signed webhook then applies.
    placed = _order(deployed, demo, {"skus": [paid["sku"]], "tracking": True, "payment_method": "credit_card"})
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["status"] == "awaiting_payment" and order["payment"]["provider"] == "stripe"
    kit_id = order["items"][0]["fulfillment_id"]
    assert _kit_status(deployed, demo, kit_id) == "awaiting_payment"
    charged = requests.post(
        f"{deployed}/_local/payments/{order['order_id']}/pay", json={"card": "4242424242424242"}, timeout=30
    )
    assert charged.status_code == 200 and charged.json()["status"] == "succeeded", charged.text
    deadline = time.monotonic() + 15
    while _kit_status(deployed, demo, kit_id) != "queued":
        assert time.monotonic() < deadline, "the payment's webhook did not queue the kit"
        time.sleep(0.2)

    # A transcript, opened by a third party.
    created = requests.post(f"{deployed}/me/transcripts", json=transcript_request(), headers=bearer(demo), timeout=30)
    assert created.status_code == 201, created.text
    public_url = created.json()["public_url"]
    assert public_url.startswith(f"{deployed}/public/transcripts/")
    view = requests.get(public_url, headers={"Accept": "application/json"}, timeout=30)
    assert view.status_code == 200, view.text
    assert view.json()["holder"]["last_name"] == "Doe"
    assert HELD_CERT in {c["id"] for c in view.json()["certifications"]}


def test_data_export_and_login_erasure(deployed: str) -> None:
    """The privacy routes' lazily imported package is in the layer; the template names the user pool."""
    token = throwaway_login(deployed)
    candidate_id = requests.get(f"{deployed}/me", headers=bearer(token), timeout=TIMEOUT).json()["candidate_id"]
    exported = requests.get(f"{deployed}/me/data-export", headers=bearer(token), timeout=60)
    assert exported.status_code == 200, exported.text
    assert exported.headers["Content-Disposition"].startswith('attachment; filename="certtrack-data-')
    assert exported.json()["sections"]["profile"][0]["candidate_id"] == candidate_id

    erased = requests.post(f"{deployed}/me/erase", json={"confirm": "ERASE"}, headers=bearer(token), timeout=60)
    assert erased.status_code == 200, erased.text
    assert requests.get(f"{deployed}/me", headers=bearer(token), timeout=TIMEOUT).json()["mapped"] is False
    username = jwt.decode(token, options={"verify_signature": False})["cognito:username"]
    again = login(deployed, username)  # the user was deleted: this is a new one, mapped to nobody
    assert (
        jwt.decode(again, options={"verify_signature": False})["sub"]
        != jwt.decode(token, options={"verify_signature": False})["sub"]
    )
    assert requests.get(f"{deployed}/me", headers=bearer(again), timeout=TIMEOUT).json()["mapped"] is False


def test_api_answers_carry_cors_for_the_public_origin_only(deployed: str) -> None:
    token = demo_login(deployed, "demo")
    mine = requests.get(f"{deployed}/me", headers={**bearer(token), "Origin": deployed}, timeout=30)
    assert mine.status_code == 200
    assert mine.headers["Access-Control-Allow-Origin"] == deployed
    other = requests.get(f"{deployed}/me", headers={**bearer(token), "Origin": "https://evil.example"}, timeout=30)
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other.headers


def _kit_status(base_url: str, token: str, fulfillment_id: str) -> str:
    history = requests.get(f"{base_url}/me/fulfillment/history", headers=bearer(token), timeout=30).json()
    return str(next(i["status"] for i in history["items"] if i["fulfillment_id"] == fulfillment_id))


def _order(base_url: str, token: str, body: dict[str, Any]) -> requests.Response:
    headers = {**bearer(token), "Idempotency-Key": str(uuid.uuid4())}
    return requests.post(f"{base_url}/me/fulfillment/orders", json=body, headers=headers, timeout=30)
