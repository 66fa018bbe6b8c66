"""moto's SES v2 with ``GetAccount``: the sending quota a Lambda reads before it paces its sends.

moto 5 answers ``GetAccount`` with "not implemented". SES answers with the account's
``SendQuota`` (``Max24HourSend``, ``MaxSendRate``, ``SentLast24Hours``) and whether it is out of
the sandbox. :func:`install` adds the action for the rest of this process (the local runtime, the
tests' sandbox) with :data:`QUOTA`: SES's first quota of an account out of the sandbox
(50,000 a day, 14 a second); a bench or a test that wants another account sets it.
"""

from __future__ import annotations

import json
from typing import Any

from moto.sesv2.responses import SESV2Response

QUOTA: dict[str, float] = {"Max24HourSend": 50_000.0, "MaxSendRate": 14.0}


def _get_account(self: SESV2Response) -> str:
    from moto.ses.models import ses_backends

    sent = ses_backends[self.current_account][self.region].sent_message_count
    answer: dict[str, Any] = {
        "SendQuota": {**QUOTA, "SentLast24Hours": float(sent)},
        "SendingEnabled": True,
        "ProductionAccessEnabled": True,
        "EnforcementStatus": "HEALTHY",
        "DedicatedIpAutoWarmupEnabled": False,
    }
    return json.dumps(answer)


def install() -> None:
    if getattr(SESV2Response, "_get_account_added", False):
        return
    SESV2Response.get_account = _get_account  # type: ignore[attr-defined]  # the action moto lacks
    SESV2Response._get_account_added = True  # type: ignore[attr-defined]  # our marker on moto's class
