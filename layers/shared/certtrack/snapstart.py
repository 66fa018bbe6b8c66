"""SnapStart: what a function loads before its snapshot, and what every restore renews.

The template publishes a version of each function with SnapStart on (``AutoPublishAlias`` +
``SnapStart: ApplyOn: PublishedVersions``): Lambda runs the init phase once per version, snapshots
the memory and starts each execution environment from a copy of it. So:

- **Before the snapshot** (``warm``) the libraries and objects the first requests would otherwise
  load on demand are loaded: boto3 and the S3 and SES clients, Jinja2 with every template
  compiled, email-validator, and the validators of every request and response model. A restored
  environment has them already. The module import itself stays lean (``certtrack.coldstart``,
  ``bench.bench_cold_import``): where there is no snapshot (the local runtime, ``$LATEST``) import
  time is still the cold start, and those paths stay lazy. The PDF path (fpdf2, fontTools, the
  fonts) stays lazy everywhere: it is one route of one function and the largest import.
- **After each restore** (``renew``) what must differ between copies is made anew: the state of
  ``random`` (every copy would draw the same numbers; our tokens and ids come from ``secrets``
  and ``uuid4``, which read the OS, but a library may use ``random``), and nothing else holds a
  connection: no AWS call is made before the snapshot (clients open connections on first use,
  and Lambda serves SnapStart credentials through its refreshing container endpoint).

``snapshot_restore_py`` is the Lambda runtime's hook module; outside Lambda it does not exist and
``register()`` does nothing.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator

from certtrack.fields import Schema
from certtrack.telemetry import logger


def register() -> bool:
    """Register the hooks with the runtime; ``False`` where there is no SnapStart runtime."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(renew)
    return True


def before_snapshot() -> None:
    warm()
    gc.collect()
    gc.freeze()  # what is loaded lives as long as the environment: later collections skip it


def warm() -> None:
    """Load what the first requests would load on demand (no AWS call is made)."""
    import email_validator  # noqa: F401  (certtrack.fields imports it on the first address)

    from certtrack import documents, email, pages

    documents.s3()
    email._client()
    for env in (email.jinja_env(), pages.jinja_env()):
        for name in env.list_templates():
            env.get_template(name)
    for model in _subclasses(Schema):
        model.model_rebuild()
    logger.debug("warmed before the snapshot")


def renew() -> None:
    random.seed()  # from os.urandom: every restored copy draws its own numbers


def _subclasses(cls: type[Schema]) -> Iterator[type[Schema]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)
