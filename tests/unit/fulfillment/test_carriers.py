"""The carrier table: which numbers each carrier's look takes, and where they are tracked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from certtrack.errors import Unprocessable
from certtrack.fulfillment import carriers


@pytest.mark.parametrize(
    ("carrier", "number", "normalised"),
    [
        ("UPS", "1Z 999 AA1 01 2345 6784", "1Z999AA10123456784"),
        ("FedEx", "1234-5678-9012", "123456789012"),
        ("USPS", "9400 1118 9922 3197 4284 90", "9400111899223197428490"),
        ("USPS", "ea123456789us", "EA123456789US"),
        ("DHL", "1234567890", "1234567890"),
        ("other", "RR123456789CH", "RR123456789CH"),
    ],
)
def test_numbers_of_each_carrier_are_taken_as_the_carrier_prints_them(
    carrier: str, number: str, normalised: str
) -> None:
    assert carriers.normalise(carrier, number) == normalised


@pytest.mark.parametrize(
    ("carrier", "number"),
    [("UPS", "123456789012345"), ("FedEx", "1Z999AA10123456784"), ("USPS", "12345"), ("DHL", "XY-1"), ("other", "ab")],
)
def test_a_number_that_cannot_be_the_carriers_is_refused_in_plain_words(carrier: str, number: str) -> None:
    with pytest.raises(Unprocessable) as raised:
        carriers.normalise(carrier, number)
    assert raised.value.code == "invalid_tracking_number"
    assert raised.value.extra["errors"][0]["field"] == "tracking_number"
    assert number not in raised.value.detail  # the input is never echoed


def test_every_example_is_a_valid_number_of_its_carrier() -> None:
    for code, entry in carriers.CARRIERS.items():
        assert carriers.normalise(code, entry.example) == entry.example


def test_known_carriers_link_to_their_public_tracking_page_and_other_to_none() -> None:
    assert carriers.tracking_url("UPS", "1Z999AA10123456784") == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert carriers.tracking_url("FedEx", "123456789012") == "https://www.fedex.com/fedextrack/?trknbr=123456789012"
    assert carriers.tracking_url("USPS", "EA123456789US") == (
        "https://tools.usps.com/go/TrackConfirmAction?tLabels=EA123456789US"
    )
    assert str(carriers.tracking_url("DHL", "1234567890")).endswith("tracking-id=1234567890")
    assert carriers.tracking_url("other", "RR123456789CH") is None
    assert carriers.tracking_url(None, None) is None
    assert set(carriers.CARRIERS) == {"UPS", "FedEx", "USPS", "DHL", "other"}


def test_the_operators_screen_offers_exactly_the_carriers_the_api_takes() -> None:
    source = (Path(__file__).parents[3] / "web" / "views" / "ops.js").read_text(encoding="utf-8")
    block = source.split("export const CARRIERS = [", 1)[1].split("];", 1)[0]
    assert re.findall(r'\[\s*"([^"]+)",', block) == list(carriers.CARRIERS)
