"""One Lambda execution environment for a built function: the bootstrap of ``local.artifact``.

Run as ``python3.13 -I -S -B lambda_worker.py <task root> <layer dir> <module.attribute>``:
isolated (no PYTHON* variables, no user site), no site-packages, no bytecode written (Lambda's
``/opt`` and ``/var/task`` are read-only). ``sys.path`` becomes what Lambda's python3.13 runtime
gives a function: the task root, then the layer's ``python/`` folder, then the standard library.
Nothing from the dev venv is importable, so the handler runs on exactly what ``sam build`` made.

The protocol is one JSON line per invocation on stdin (``{"event", "context"}``) and one JSON
line per answer on the original stdout (``{"result"}`` or ``{"error", "type", "trace"}``); the
handler's own stdout (Powertools' JSON logs) goes to stderr, as Lambda sends both to CloudWatch.
Only the standard library is used here.
"""

import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any], "LambdaContext"], object]


class LambdaContext:
    """The attributes of the runtime's context object that handlers and Powertools read."""

    def __init__(self, fields: dict[str, Any], timeout_s: int) -> None:
        self.function_name: str = fields["function_name"]
        self.function_version: str = fields.get("function_version", "$LATEST")
        self.invoked_function_arn: str = fields["invoked_function_arn"]
        self.memory_limit_in_mb: int = fields["memory_limit_in_mb"]
        self.aws_request_id: str = fields["aws_request_id"]
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _load(task_root: str, layer: str, handler: str) -> Handler:
    stdlib = [p for p in sys.path if "site-packages" not in p]  # -I: no script folder
    sys.path[:] = [task_root, layer, *stdlib]
    os.chdir(task_root)
    module_name, _, attribute = handler.rpartition(".")
    module = __import__(module_name, fromlist=[attribute])
    loaded: Handler = getattr(module, attribute)
    return loaded


def main() -> int:
    task_root, layer, handler_name = sys.argv[1:4]
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # the handler's prints and logs go to stderr
    sys.stdout = sys.stderr
    try:
        handler = _load(task_root, layer, handler_name)
    except BaseException as error:  # an init error: report it and exit, as Lambda does
        protocol.write(
            json.dumps({"init_error": str(error), "type": type(error).__name__, "trace": traceback.format_exc()}) + "\n"
        )
        return 1
    protocol.write(json.dumps({"ready": True}) + "\n")
    timeout_s = int(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "30"))
    for line in sys.stdin:
        request = json.loads(line)
        context = LambdaContext(request["context"], timeout_s)
        try:
            answer = {"result": handler(request["event"], context)}
        except Exception as error:
            answer = {"error": str(error), "type": type(error).__name__, "trace": traceback.format_exc()}
        protocol.write(json.dumps(answer, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
