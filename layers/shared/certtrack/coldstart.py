"""Cold start: no cyclic garbage collection while a function's modules load.

Loading a handler (Powertools, pydantic, botocore, the X-Ray SDK, our models and routes) allocates
a few hundred thousand long-lived objects and no garbage; the collector still walks the growing
heap again and again, ≈ 20 % of the import time (``python -m bench.bench_cold_import``).

So every entry-point module (each ``Handler`` of template.yaml) begins with
``import certtrack.coldstart``, which in a Lambda sandbox (``LAMBDA_TASK_ROOT`` set) pauses the
collector, and ends with ``certtrack.coldstart.ready()``, which moves everything loaded to the
permanent generation (``gc.freeze``: later collections skip it) and turns collection back on.
Outside Lambda (tests, scripts, the local runtime) nothing changes. ``ready()`` also registers the
SnapStart hooks (``certtrack.snapstart``): with a snapshot, what the first requests would load is
loaded before it, and import time matters only where there is no snapshot.
``tests/deploy/test_coldstart.py`` holds every entry point to both lines.
"""

from __future__ import annotations

import gc
import os

_paused = False


def pause() -> None:
    global _paused
    if os.environ.get("LAMBDA_TASK_ROOT") and gc.isenabled():
        gc.disable()
        _paused = True


def ready() -> None:
    """The entry point is loaded: freeze what is there, collect garbage again, register SnapStart's hooks."""
    global _paused
    if _paused:
        gc.freeze()
        gc.enable()
        _paused = False
    from certtrack import snapstart

    snapstart.register()


pause()
