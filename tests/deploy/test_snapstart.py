"""SnapStart hooks: registered by every entry point in Lambda's runtime, warm before the snapshot, reseed after."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.deploy.test_coldstart import ENTRY_POINTS, IDS

# The runtime's hook module, as far as a function sees it: two registration functions.
FAKE_RUNTIME = textwrap.dedent(
    """
    before, after = [], []
    def register_before_snapshot(fn, *args, **kwargs):
        before.append(fn)
    def register_after_restore(fn, *args, **kwargs):
        after.append(fn)
    """
)

_PROBE = """
import json, sys
sys.path[:0] = {paths!r}
import snapshot_restore_py as runtime
import {module}
assert len(runtime.before) == 1 and len(runtime.after) == 1, (runtime.before, runtime.after)
lazy = ("boto3", "jinja2", "email_validator")
loaded_at_import = sorted(name for name in lazy if name in sys.modules)
runtime.before[0]()
import gc
print(json.dumps({{"at_import": loaded_at_import, "before_snapshot": sorted(n for n in lazy if n in sys.modules),
                  "pdf": "fpdf" in sys.modules, "frozen": gc.get_freeze_count()}}))
"""


@pytest.mark.parametrize(("code_dir", "module"), ENTRY_POINTS, ids=IDS)
def test_every_entry_point_registers_hooks_that_warm_before_the_snapshot(
    code_dir: Path, module: str, tmp_path: Path
) -> None:
    (tmp_path / "snapshot_restore_py.py").write_text(FAKE_RUNTIME, encoding="utf-8")
    paths = [str(tmp_path), str(code_dir), str(ROOT / "layers" / "shared")]
    code = _PROBE.format(paths=paths, module=module)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    state = json.loads(out.stdout.strip().splitlines()[-1])
    assert state["at_import"] == []  # the import stays lean for environments without a snapshot
    assert state["before_snapshot"] == ["boto3", "email_validator", "jinja2"]
    assert state["pdf"] is False  # the PDF path stays lazy
    assert state["frozen"] > 10_000


def test_without_the_runtime_module_nothing_is_registered() -> None:
    from certtrack import snapstart

    assert snapstart.register() is False


def test_each_restore_draws_its_own_random_numbers() -> None:
    from certtrack import snapstart

    random.seed(1234)  # the state every copy of a snapshot would share
    snapshot = random.getstate()
    firsts = []
    for _ in range(3):
        random.setstate(snapshot)
        snapstart.renew()
        firsts.append(random.random())
    assert len(set(firsts)) == 3
