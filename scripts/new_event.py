"""Write a sample REST event for a new route into ``events/<function>/<name>.json``.

Usage: ``python scripts/new_event.py <function> <name> <METHOD> <resource> [--path P] [--query k=v]...
[--body JSON] [--candidate]``. The caller is the operator of ``events/fulfillment/get_ops_fulfillment.json``
(``--candidate``: the candidate of ``events/fulfillment/get_history.json``); headers, stage and
host are theirs, so the sample is exactly what ``local.apigateway.rest_event`` builds (checked by
``tests/unit/test_rest_events.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "shared")]

from local.apigateway import resource_parameters, rest_event  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("function")
    parser.add_argument("name")
    parser.add_argument("method")
    parser.add_argument("resource")
    parser.add_argument("--path")
    parser.add_argument("--query", action="append", default=[])
    parser.add_argument("--body")
    parser.add_argument("--candidate", action="store_true")
    args = parser.parse_args()
    base_name = "get_history.json" if args.candidate else "get_ops_fulfillment.json"
    base = json.loads((ROOT / "events" / "fulfillment" / base_name).read_text())
    context = base["requestContext"]
    path = args.path or args.resource
    headers = [(k, v) for k, vs in base["multiValueHeaders"].items() for v in vs]
    if args.body is not None:
        headers.append(("Content-Type", "application/json"))
    built = rest_event(
        args.method.upper(),
        args.resource,
        path,
        headers=headers,
        query=[tuple(pair.split("=", 1)) for pair in args.query],
        path_parameters=resource_parameters(args.resource, path) or {},
        body=args.body,
        claims=(context.get("authorizer") or {}).get("claims"),
        stage=context["stage"],
        source_ip=context["identity"]["sourceIp"],
        domain=context["domainName"],
        api_id=context["apiId"],
    )
    out = ROOT / "events" / args.function / f"{args.name}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(built, indent=2, ensure_ascii=False) + "\n")
    print(out.relative_to(ROOT))


if __name__ == "__main__":
    main()
