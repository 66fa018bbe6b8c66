"""Run the functions from the built artifact (``sam build`` output), each in its own interpreter.

``ArtifactRuntime`` has the interface of ``local.lambdas.Runtime``: the local front and the
local-only routes do not know which one they drive. Each function gets one long-lived worker
process (``local/lambda_worker.py``, one execution environment), started on first use with the
Python 3.13 the layer was built for and an environment made from nothing but what Lambda sets and
the function's own variables from the template: no dev venv, no PYTHONPATH, no bytecode written.
Invocations of one function are serialised, as in one execution environment.
"""

from __future__ import annotations

import json
import subprocess
import threading
import uuid
from pathlib import Path
from typing import IO, Any

from local.build import layer_dir, python313
from local.lambdas import HandlerMissing
from local.template import ACCOUNT_ID, REGION, Function

WORKER = Path(__file__).resolve().with_name("lambda_worker.py")


class FunctionError(Exception):
    """The handler raised (Lambda answers the caller with an error; API Gateway with 502)."""


class _Worker:
    def __init__(self, function: Function, build_dir: Path, environment: dict[str, str]) -> None:
        task_root = build_dir / function.logical_id
        if not task_root.is_dir():
            raise HandlerMissing(f"{function.logical_id}: {task_root} is not in the built artifact")
        env = lambda_environment(function, task_root) | environment
        self.process = subprocess.Popen(
            [
                str(python313()),
                "-I",
                "-S",
                "-B",
                str(WORKER),
                str(task_root),
                str(layer_dir(build_dir)),
                function.handler,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=task_root,
            text=True,
            encoding="utf-8",
        )
        self.lock = threading.Lock()
        hello = self._read()
        if "init_error" in hello:
            self.process.wait(timeout=10)
            raise RuntimeError(f"{function.logical_id} failed at init: {hello['type']}: {hello['init_error']}")

    def _read(self) -> dict[str, Any]:
        stdout: IO[str] | None = self.process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            raise RuntimeError(f"the worker exited with {self.process.wait(timeout=10)}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def invoke(self, event: dict[str, Any], context: dict[str, Any]) -> Any:
        stdin = self.process.stdin
        assert stdin is not None
        with self.lock:
            stdin.write(json.dumps({"event": event, "context": context}) + "\n")
            stdin.flush()
            answer = self._read()
        if "error" in answer:
            raise FunctionError(f"{answer['type']}: {answer['error']}\n{answer['trace']}")
        return answer["result"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def lambda_environment(function: Function, task_root: Path) -> dict[str, str]:
    """What the python3.13 runtime sets before the function's own variables (credentials aside)."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(task_root),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(function.timeout_s),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }


class ArtifactRuntime:
    """Loads each function's worker once and invokes it with Lambda-shaped inputs."""

    def __init__(self, build_dir: Path, environments: dict[str, dict[str, str]]) -> None:
        self._build_dir = build_dir
        self._environments = environments  # logical id -> the function's resolved variables (+ AWS access)
        self._workers: dict[str, _Worker] = {}
        self._lock = threading.Lock()

    def load(self, function: Function) -> _Worker:
        with self._lock:
            if function.logical_id not in self._workers:
                environment = self._environments.get(function.logical_id, {})
                self._workers[function.logical_id] = _Worker(function, self._build_dir, environment)
            return self._workers[function.logical_id]

    def invoke(self, function: Function, event: dict[str, Any]) -> Any:
        worker = self.load(function)
        context = {
            "function_name": function.name,
            "memory_limit_in_mb": function.memory_mb,
            "invoked_function_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function.name}",
            "aws_request_id": str(uuid.uuid4()),
        }
        return worker.invoke(event, context)

    def stop(self) -> None:
        with self._lock:
            for worker in self._workers.values():
                worker.stop()
            self._workers.clear()
