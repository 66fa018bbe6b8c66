"""Run the template's handlers in-process, one invocation at a time, with Lambda-shaped inputs.

Each function's handler module is imported from its ``CodeUri`` under a unique module name (every
API function has an ``app.py``), with the function's own environment applied while it is imported
and while it runs. Modules beside the handler (the certifications routers) are imported with the
code directory first on ``sys.path``, as in Lambda, and then dropped from ``sys.modules`` so that
another function's module of the same name loads too: import them at the top of the handler module.
Invocations are serialised: like one warm execution environment, a handler never sees two events
at once (Powertools resolvers keep the current event on the app object).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from local.template import ACCOUNT_ID, REGION, Function

Handler = Callable[[dict[str, Any], Any], Any]


class HandlerMissing(Exception):
    """The function's handler file is not written yet."""


@dataclass
class LambdaContext:
    """The attributes of ``awslambdaric``'s context that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    timeout_s: int
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class Runtime:
    """Loads handlers once and invokes them under one lock with each function's environment."""

    def __init__(self, environments: dict[str, dict[str, str]]) -> None:
        self._environments = environments  # logical id -> the function's resolved variables
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()

    def load(self, function: Function) -> Handler:
        """The function's handler; ``HandlerMissing`` if its file does not exist; import errors raise."""
        with self._lock:
            if function.logical_id not in self._handlers:
                with self._environment(function):
                    self._handlers[function.logical_id] = _import_handler(function)
            return self._handlers[function.logical_id]

    def invoke(self, function: Function, event: dict[str, Any]) -> Any:
        handler = self.load(function)
        context = LambdaContext(
            function_name=function.name,
            memory_limit_in_mb=function.memory_mb,
            invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function.name}",
            aws_request_id=str(uuid.uuid4()),
            timeout_s=function.timeout_s,
        )
        with self._lock, self._environment(function):
            return handler(event, context)

    def stop(self) -> None:
        """Nothing to stop: the handlers live in this process."""

    @contextmanager
    def _environment(self, function: Function) -> Iterator[None]:
        # All functions share this process: the settings each one reads are its own only if they are
        # read again (the built artifact runs each function in its own interpreter instead).
        from certtrack.settings import get_settings

        overrides = self._environments.get(function.logical_id, {})
        saved = {name: os.environ.get(name) for name in overrides}
        os.environ.update(overrides)
        get_settings.cache_clear()
        try:
            yield
        finally:
            get_settings.cache_clear()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _import_handler(function: Function) -> Handler:
    module_path, _, attribute = function.handler.rpartition(".")
    path = function.code_dir / (module_path.replace(".", "/") + ".py")
    if not path.is_file():
        raise HandlerMissing(f"{function.logical_id}: {path} does not exist yet")
    unique = f"_lambda_{function.logical_id}_{module_path.replace('.', '_')}"
    spec = importlib.util.spec_from_file_location(unique, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    before = set(sys.modules)
    code_dir = str(function.code_dir)
    sys.path.insert(0, code_dir)  # as in Lambda, the code directory comes first
    sys.modules[unique] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[unique]
        raise
    finally:
        sys.path.remove(code_dir)
        _forget_sibling_modules(set(sys.modules) - before - {unique}, function.code_dir)
    return getattr(module, attribute)  # type: ignore[no-any-return]


def _forget_sibling_modules(names: set[str], code_dir: Path) -> None:
    """Drop modules imported from the function's folder so another function's same-named ones load."""
    for name in names:
        file = getattr(sys.modules.get(name), "__file__", None)
        if file and Path(file).resolve().is_relative_to(code_dir.resolve()):
            del sys.modules[name]


def s3_put_event(bucket: str, key: str, size: int, etag: str, now: datetime) -> dict[str, Any]:
    """An ``ObjectCreated:Put`` notification as S3 delivers it to Lambda (key URL-encoded)."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:LOCAL"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16].upper()},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "local",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "LOCAL"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": size,
                        "eTag": etag.strip('"'),
                        "sequencer": f"{time.time_ns():X}",
                    },
                },
            }
        ]
    }


def scheduled_event(function: Function, when: datetime) -> dict[str, Any]:
    """An EventBridge ``Scheduled Event`` for ``function``'s rule, with ``when`` as its time."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{function.name}-schedule"],
        "detail": {},
    }
