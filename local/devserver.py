"""``python -m local.devserver``: the whole system on ``http://127.0.0.1:$PORT`` (default 3000).

moto's server (in this process, on a free port) stands in for DynamoDB, S3, SES and Cognito, and
localstripe (its own process, on a free port: ``local.payment_provider``) for Stripe, its webhook
registered to this server's ``/payments/webhook``; the routes, handlers, resource names and
function environment come from ``template.yaml``. The order of start-up matters: the environment
points at moto (endpoint, dummy credentials, region) before ``local.stack`` imports
``certtrack.db`` and the handlers, because boto3 and PynamoDB read it then. Ctrl-C (or SIGTERM)
stops all three servers.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import warnings
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from moto.server import ThreadedMotoServer

from local import atomic, overrides, s3_post, ses_account
from local.payment_provider import LocalStripe
from local.template import REGION, Template

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.devserver", description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml", help="the SAM template")
    parser.add_argument(
        "--artifact",
        type=Path,
        help="run every function from this `sam build` output, each in its own interpreter (python -m local.build)",
    )
    parser.add_argument(
        "--deployed-defaults",
        action="store_true",
        help="use every template parameter's default (local.overrides lists what changes otherwise)",
    )
    parser.add_argument(
        "--web-port",
        type=int,
        help="also serve the web client on this port, as the public origin, calling the API on PORT cross-origin",
    )
    args = parser.parse_args(argv)
    if not args.template.is_file():
        print(f"no SAM template at {args.template}", file=sys.stderr)
        return 1
    template = Template(args.template, parameters=overrides.parameters(deployed_defaults=args.deployed_defaults))
    sys.path[:0] = [str(path) for path in template.layer_dirs]
    from local.server import DevHTTPServer  # needs the layer on sys.path

    port = int(os.environ.get("PORT", "3000"))
    try:
        http = DevHTTPServer(port)
        web = DevHTTPServer(args.web_port) if args.web_port is not None else None
    except OSError as error:
        print(f"cannot listen on 127.0.0.1: {error.strerror} (set PORT or --web-port)", file=sys.stderr)
        return 1
    api_url = f"http://127.0.0.1:{http.server_address[1]}"
    # The public origin: links in mail and the CORS origin. With --web-port the web client's own
    # origin plays the CDN and PORT the API Gateway URL a client may call directly.
    base_url = f"http://127.0.0.1:{web.server_address[1]}" if web else api_url
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    # Metrics are disabled locally; Powertools still warns on every invocation that none were published.
    warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
    atomic.install()  # moto's server answers on threads; DynamoDB applies item operations one by one
    s3_post.install()  # S3 checks a browser form upload against its signed policy; moto does not
    ses_account.install()  # SES v2 GetAccount (the sending quota), which moto lacks
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    payments: LocalStripe | None = None
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        host, moto_port = moto.get_host_and_port()
        endpoint = f"http://{host}:{moto_port}"
        os.environ.pop("AWS_PROFILE", None)
        os.environ.update(overrides.aws_access(endpoint, REGION))
        from local.stack import build_app  # only now: it imports what reads the environment

        artifact = args.artifact.resolve() if args.artifact else None
        payments = LocalStripe()
        http.app, seeded = build_app(template, endpoint, base_url, payments, artifact=artifact)
        # The provider's events go to the API's own webhook route, as a Stripe endpoint would.
        payments.register_webhook(f"{api_url}/payments/webhook", payments.webhook_secret)
        http.app.start_event_sources()
        if web is not None:
            web.app = http.app.serving_web_client_for(api_url)
            threading.Thread(target=web.serve_forever, daemon=True).start()
        _print_banner(base_url, api_url, seeded)
        http.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        http.server_close()
        if web is not None:
            web.server_close()
        if getattr(http, "app", None) is not None:
            http.app.stop()  # the built functions' interpreters
        if payments is not None:
            payments.stop()
        moto.stop()
    return 0


def _interrupt(_signum: int, _frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt


def _print_banner(base_url: str, api_url: str, seeded: dict[str, Any]) -> None:
    from local.seed import DEMO_LOGINS

    lines = [
        f"certtrack local: {base_url}/app/  (API at {api_url}, local-only routes under /_local/)",
        "demo logins (username / password):",
        *(f"  {login.username} / {login.password}  ({login.note})" for login in DEMO_LOGINS),
        *(
            f"demo {domain}: {json.dumps(summary, ensure_ascii=False, default=str)}"
            for domain, summary in seeded.items()
        ),
        "ready",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    code = main()
    # Everything the server held lives in this process's memory and dies with it: skip the
    # interpreter's final garbage collection of moto's backends, which takes seconds.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
