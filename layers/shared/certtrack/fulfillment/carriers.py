"""The carriers a kit ships with: how their tracking numbers look and where the public can track
them. The one table of carriers; the status change, the history and the shipping email read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from certtrack.errors import Unprocessable

CarrierCode = Literal["UPS", "FedEx", "USPS", "DHL", "other"]
TRACKING_NUMBER_MAX = 40


@dataclass(frozen=True)
class Carrier:
    name: str
    pattern: re.Pattern[str]  # of the normalised number (upper case, no spaces or dashes)
    example: str
    tracking_url: str | None  # ``{number}`` is replaced; None: no public page we can link to


CARRIERS: dict[str, Carrier] = {
    "UPS": Carrier(
        "UPS",
        re.compile(r"1Z[0-9A-Z]{16}|T[0-9]{10}|[0-9]{9}|[0-9]{12}"),
        "1Z999AA10123456784",
        "https://www.ups.com/track?tracknum={number}",
    ),
    "FedEx": Carrier(
        "FedEx",
        re.compile(r"[0-9]{12}|[0-9]{15}|[0-9]{20}|[0-9]{22}"),
        "123456789012",
        "https://www.fedex.com/fedextrack/?trknbr={number}",
    ),
    "USPS": Carrier(
        "USPS",
        re.compile(r"[0-9]{20,22}|9[0-9]{25}|[A-Z]{2}[0-9]{9}[A-Z]{2}"),
        "9400111899223197428490",
        "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    ),
    "DHL": Carrier(
        "DHL",
        re.compile(r"[0-9]{10,11}|[A-Z]{3}[0-9]{7}|JJD[0-9]{10,20}|[A-Z0-9]{12,39}"),
        "1234567890",
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={number}",
    ),
    "other": Carrier("another carrier", re.compile(r"[0-9A-Z]{4,40}"), "AB12345678", None),
}
_SEPARATORS = re.compile(r"[\s-]+")


def normalise(carrier: str, number: str) -> str:
    """The number as the carrier prints it (upper case, spaces and dashes dropped), or 422 naming
    ``tracking_number`` in plain words when it cannot be one of ``carrier``'s."""
    entry = CARRIERS[carrier]
    cleaned = _SEPARATORS.sub("", number).upper()
    if not entry.pattern.fullmatch(cleaned):
        message = (
            f"This does not look like a {entry.name} tracking number (for example {entry.example})."
            if carrier != "other"
            else "A tracking number has 4 to 40 letters and digits."
        )
        raise Unprocessable(
            message,
            code="invalid_tracking_number",
            extra={"errors": [{"field": "tracking_number", "message": message, "type": "invalid_tracking_number"}]},
        )
    return cleaned


def tracking_url(carrier: str | None, number: str | None) -> str | None:
    """The carrier's public tracking page for this number; None for "other" or without one."""
    entry = CARRIERS.get(carrier) if carrier else None
    if entry is None or entry.tracking_url is None or not number:
        return None
    return entry.tracking_url.format(number=quote(number, safe=""))
