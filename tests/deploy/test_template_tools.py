"""template.yaml through the tools that deploy and audit it: cfn-lint, SAM CLI's validation,
``sam build`` for the default architecture (arm64, no Docker) and checkov.

Each tool pins libraries the dev tools pin differently, so each has an environment of its own
(``.venv-sam`` from ``requirements-sam.txt``, ``.venv-checkov`` from ``requirements-checkov.txt``),
made by ``scripts/make-venv`` on first use; cfn-lint is a dev tool. The template's structure is in
``tests/integration/test_template.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.decode import decode

from local import build

ROOT = Path(__file__).resolve().parents[2]
CHECKOV_VENV = ROOT / ".venv-checkov"

pytestmark = pytest.mark.timeout(build.SAM_TIMEOUT_S)


def _run(args: list[str], timeout: int = 900) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ) | {"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"}
    env.pop("AWS_ENDPOINT_URL", None)
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _functions() -> list[str]:
    parsed, errors = decode(str(ROOT / "template.yaml"))
    assert not errors and parsed is not None, [str(e) for e in errors]
    return [k for k, v in parsed["Resources"].items() if v["Type"] == "AWS::Serverless::Function"]


def test_cfn_lint_passes_without_warnings() -> None:
    binary = Path(sys.executable).with_name("cfn-lint")
    command = [str(binary)] if binary.exists() else [sys.executable, "-m", "cfnlint"]
    result = _run([*command, "--", "template.yaml"], timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "", result.stdout


@pytest.fixture(scope="session")
def checkov() -> Path:
    """``.venv-checkov/bin/checkov``, creating that environment if needed."""
    binary = CHECKOV_VENV / "bin" / "checkov"
    if not binary.exists():
        build.make_venv(CHECKOV_VENV, "requirements-checkov.txt")
    assert binary.exists()
    return binary


@pytest.fixture(scope="session")
def sam() -> Path:
    """``.venv-sam/bin/sam``, creating that environment if needed."""
    return build.sam()


def test_checkov_finds_nothing_unexplained(checkov: Path) -> None:
    """Every checkov finding is fixed or skipped on its resource with a reason (docs/notes/deploying.md)."""
    result = _run(
        [
            str(checkov),
            "-f",
            "template.yaml",
            "--framework",
            "cloudformation",
            "--skip-download",
            "-o",
            "json",
        ],
        timeout=600,
    )
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    summary = report["summary"]
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == [], failed
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 50, summary  # the template was really checked
    assert result.returncode == 0, result.stderr[-3000:]
    for check in report["results"]["skipped_checks"]:
        reason = (check.get("check_result") or {}).get("suppress_comment") or ""
        assert len(reason) > 30, f"{check['check_id']} on {check['resource']} is skipped without a reason"


def test_sam_validate(sam: Path) -> None:
    """SAM's own check of the transform (``--lint`` would run cfn-lint again: the test above does)."""
    result = _run([str(sam), "validate", "--template-file", "template.yaml"], timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_sam_build_for_the_default_architecture_ships_bytecode(sam: Path, tmp_path: Path) -> None:
    """The deployed default (arm64): compiled packages for aarch64 and every module as bytecode."""
    built = build.build(tmp_path / "build", "arm64", cache_dir=tmp_path / "cache")
    assert (built / "template.yaml").is_file()
    for logical_id in _functions():
        assert (built / logical_id).is_dir(), logical_id
    layer = build.layer_dir(built)
    assert (layer / "certtrack" / "__init__.py").is_file()
    assert not (layer / "python").exists(), "the package must sit at the root of the layer's ContentUri"
    # Compiled dependencies were fetched for the Lambda platform, not for this machine.
    compiled = [p.name for p in (layer / "pydantic_core").glob("*.so")]
    assert compiled and all("aarch64" in name for name in compiled), compiled
    # Every module has bytecode that needs no timestamp (the zip's) to be trusted.
    sources = [p for p in layer.rglob("*.py") if "__pycache__" not in p.parts]
    missing = [p for p in sources if not (p.parent / "__pycache__" / f"{p.stem}.cpython-313.pyc").is_file()]
    assert sources and not missing, missing[:5]
    header = (layer / "certtrack" / "__pycache__" / "settings.cpython-313.pyc").read_bytes()[:8]
    assert int.from_bytes(header[4:8], "little") == 0b01, "unchecked-hash bytecode"
    # boto3 and botocore come from the layer, at the versions the tests run.
    import boto3
    import botocore

    assert (layer / f"boto3-{boto3.__version__}.dist-info").is_dir()
    assert (layer / f"botocore-{botocore.__version__}.dist-info").is_dir()
    # Babel's locale data: English and Japanese with their parents, none of the other languages.
    kept = {p.name for p in (layer / "babel" / "locale-data").glob("*.dat")}
    assert {"root.dat", "en.dat", "en_US.dat", "ja.dat", "ja_JP.dat"} <= kept, sorted(kept)[:10]
    assert not {name for name in kept if not name.startswith(("root", "en", "ja"))}, sorted(kept)[:10]
    shutil.rmtree(built, ignore_errors=True)
