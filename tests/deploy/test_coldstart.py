"""Cold start: what an entry point loads, and the collector paused while it loads.

Timing lives in ``bench/bench_cold_import.py``; these tests hold the structure the figures rest on:
every ``Handler`` of template.yaml imports ``certtrack.coldstart`` first and calls ``ready()`` last,
and the libraries only some requests need (boto3, Jinja2, Babel, email-validator, fpdf2, the requests
library the X-Ray SDK would patch) are not imported when a function starts.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

import pytest
from certtrack.fields import valid_email

from local.template import Template
from tests.conftest import ROOT

TEMPLATE = Template(ROOT / "template.yaml")
ENTRY_POINTS = sorted({(f.code_dir, f.handler.split(".")[0]) for f in TEMPLATE.functions.values()})
IDS = [f"{code_dir.name}.{module}" for code_dir, module in ENTRY_POINTS]
LAZY = (
    "boto3",
    "jinja2",
    "markupsafe",
    "email_validator",
    "fpdf",
    "fontTools",
    "segno",
    "requests",
    "babel",
    "certtrack.pdf",
)

_PROBE = """
import gc, json, sys
sys.path[:0] = {paths!r}
import {module}
print(json.dumps({{"enabled": gc.isenabled(), "frozen": gc.get_freeze_count(),
                  "loaded": sorted(name for name in {lazy!r} if name in sys.modules)}}))
"""


def _load_in_fresh_interpreter(code_dir: object, module: str, *, in_lambda: bool) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "LAMBDA_TASK_ROOT"}
    env.update(AWS_DEFAULT_REGION="us-east-1", AWS_XRAY_CONTEXT_MISSING="IGNORE_ERROR", TABLE_NAME="cold")
    if in_lambda:
        env["LAMBDA_TASK_ROOT"] = str(code_dir)
    code = _PROBE.format(paths=[str(code_dir), str(ROOT / "layers" / "shared")], module=module, lazy=LAZY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=ROOT)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_template_has_every_entry_point() -> None:
    assert len(ENTRY_POINTS) == 11


@pytest.mark.parametrize(("code_dir", "module"), ENTRY_POINTS, ids=IDS)
def test_entry_point_pauses_collection_first_and_resumes_last(code_dir: object, module: str) -> None:
    tree = ast.parse((ROOT / str(code_dir) / f"{module}.py").read_text(encoding="utf-8"))
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    first = next(node for node in imports if not (isinstance(node, ast.ImportFrom) and node.module == "__future__"))
    assert isinstance(first, ast.Import)
    assert [alias.name for alias in first.names] == ["certtrack.coldstart"]
    last = tree.body[-1]
    assert isinstance(last, ast.Expr)
    assert ast.unparse(last.value) == "certtrack.coldstart.ready()"


@pytest.mark.parametrize(("code_dir", "module"), ENTRY_POINTS, ids=IDS)
def test_loading_in_lambda_freezes_the_loaded_heap_and_collects_again(code_dir: object, module: str) -> None:
    state = _load_in_fresh_interpreter(code_dir, module, in_lambda=True)
    assert state["enabled"] is True
    assert int(str(state["frozen"])) > 10_000  # what the function loaded is in the permanent generation
    assert state["loaded"] == []  # and none of the libraries only some requests need


def test_outside_lambda_nothing_is_frozen() -> None:
    code_dir, module = ENTRY_POINTS[0]
    state = _load_in_fresh_interpreter(code_dir, module, in_lambda=False)
    assert state == {"enabled": True, "frozen": 0, "loaded": []}


def test_email_addresses_validate_like_emailstr_when_first_used() -> None:
    assert valid_email("Jane.Doe@EXAMPLE.com") == "Jane.Doe@example.com"
    assert valid_email("Jane Doe <jane@example.com>") == "jane@example.com"
    for bad in ("jane", "jane@", "@example.com", "jane@example..com"):
        with pytest.raises(ValueError, match="not a valid email address"):
            valid_email(bad)
