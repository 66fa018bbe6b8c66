"""The shipping address: Latin-script demographics (what the mail house prints), an optional
localized block in any script, ISO 3166-1 alpha-2 countries; stored as one item per candidate.

Every text field is public text (``certtrack.fields.PublicText``: NFC, no control, bidi or
zero-width characters, lengths in characters); the demographics are then held to the Latin rule.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from certtrack import keys
from certtrack.errors import NotFound
from certtrack.fields import BlankIsNone, EmailAddress, PublicText, Schema
from certtrack.identity.models import AddressAttribute, LocalizedAddress, ShippingAddressItem

# ISO 3166-1 alpha-2, officially assigned codes.
_COUNTRY_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
COUNTRIES = frozenset(_COUNTRY_CODES.split())
# Countries whose addresses have no postal code (Google's address data, libaddressinput: no ``%Z``
# in the format): the one field the rules below need a second field for. Everywhere else the
# postal code is required. The web client reads this table through web/rules.js (generated).
_NO_POSTAL_CODE = """
    AE AG AO AW BF BI BJ BO BS BW BZ CD CF CG CI CK CM CW DJ DM ER FJ GA GD GH GM GQ GY HK KI KM KN
    KP LY ML MO MR MW NR NU QA RW SB SC SL SR SS ST SX SY TD TG TK TL TO TT TV UG VU YE ZW
"""
NO_POSTAL_CODE = frozenset(_NO_POSTAL_CODE.split())

# Punctuation an address label needs; anything else (emoji, other scripts, controls) is refused.
LATIN_PUNCTUATION = frozenset(" .,'\u2019-/#&()+:;\"\u00b0\u00ba\u00aa")
_PHONE = re.compile(r"^\+?[0-9][0-9 ().\-]{4,24}$")


def is_latin_text(value: str) -> bool:
    """Letters of the Latin script (accents included), ASCII digits, spaces, common punctuation."""
    for ch in unicodedata.normalize("NFC", value):
        if ch.isascii() and (ch.isalnum() or ch in LATIN_PUNCTUATION):
            continue
        if ch in LATIN_PUNCTUATION:
            continue
        if ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN "):
            continue
        return False
    return True


def _latin(value: str) -> str:
    if not is_latin_text(value):
        raise ValueError("must use Latin (Roman) letters, digits and common punctuation only")
    return value


def _country(value: str) -> str:
    code = value.strip().upper()
    if code not in COUNTRIES:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code, e.g. US or DE")
    return code


def _phone(value: str) -> str:
    if not _PHONE.fullmatch(value):
        raise ValueError("must be digits with an optional leading +, spaces, dots, dashes or parentheses")
    return value


def _ascii_email(value: str) -> str:
    if not value.isascii():
        raise ValueError("must use Latin (ASCII) characters only")
    return value


# What OpenAPI cannot state, named in the schema for the web client's checks (scripts/web_rules.py).
_LATIN_RULE = Field(json_schema_extra={"x-rule": "latin"})
_PHONE_RULE = Field(json_schema_extra={"x-rule": "phone", "pattern": _PHONE.pattern})
_COUNTRY_RULE = Field(json_schema_extra={"x-rule": "country"})

AnyName = Annotated[str, PublicText(max_length=60, min_length=1)]
AnyLine = Annotated[str, PublicText(max_length=100, min_length=1)]
AnyPostal = Annotated[str, PublicText(max_length=16, min_length=1)]
LatinName = Annotated[AnyName, AfterValidator(_latin), _LATIN_RULE]
LatinLine = Annotated[AnyLine, AfterValidator(_latin), _LATIN_RULE]
LatinPostal = Annotated[AnyPostal, AfterValidator(_latin), _LATIN_RULE]
Country = Annotated[str, StringConstraints(min_length=2, max_length=2), AfterValidator(_country), _COUNTRY_RULE]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30), AfterValidator(_phone), _PHONE_RULE
]
Email = Annotated[EmailAddress, AfterValidator(_ascii_email)]
# Optional fields: an empty one (``""``, as an HTML form sends it) is not given.
OptName = Annotated[AnyName | None, BlankIsNone]
OptLine = Annotated[AnyLine | None, BlankIsNone]
OptPostal = Annotated[AnyPostal | None, BlankIsNone]
OptLatinName = Annotated[LatinName | None, BlankIsNone]
OptLatinLine = Annotated[LatinLine | None, BlankIsNone]
OptLatinPostal = Annotated[LatinPostal | None, BlankIsNone]
OptPhone = Annotated[Phone | None, BlankIsNone]


class Localized(Schema):
    """Optional: the same address in the candidate's own script (double-byte characters allowed)."""

    model_config = ConfigDict(extra="forbid")

    first_name: OptName = None
    last_name: OptName = None
    address1: OptLine = None
    address2: OptLine = None
    city: OptName = None
    state: OptName = None
    postal_code: OptPostal = None


class ShippingAddress(Schema):
    """``PUT /me/shipping-address`` body and ``GET`` response: demographics in Latin script only."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"x-postal-code-optional-in": list(sorted(NO_POSTAL_CODE))}
    )

    first_name: LatinName
    last_name: LatinName
    email: Email
    phone: OptPhone = None
    address1: LatinLine
    address2: OptLatinLine = None
    city: LatinName
    state: OptLatinName = None
    country: Country  # before postal_code: its rule reads the country
    postal_code: OptLatinPostal = Field(default=None, validate_default=True)
    localized: Localized | None = None

    @field_validator("postal_code", mode="after")
    @classmethod
    def _postal_code_where_used(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Required unless the country has no postal codes (a refused country: required too)."""
        if value is None and info.data.get("country") not in NO_POSTAL_CODE:
            raise PydanticCustomError("missing", "This is required.")
        return value

    def to_attribute(self) -> AddressAttribute:
        data = self.model_dump(exclude={"localized"})
        attr = AddressAttribute(**data)
        if self.localized is not None:
            attr.localized = LocalizedAddress(**self.localized.model_dump())
        return attr

    @classmethod
    def from_attribute(cls, attr: AddressAttribute) -> ShippingAddress:
        data = attr.as_dict()
        localized = data.pop("localized", None)
        return cls.model_validate({**data, "localized": localized})


def get_address(candidate_id: str) -> ShippingAddress | None:
    """The saved address, or None (one GetItem)."""
    try:
        item = ShippingAddressItem.get(keys.candidate_pk(candidate_id), keys.SHIPPING)
    except ShippingAddressItem.DoesNotExist:
        return None
    return ShippingAddress.from_attribute(item.address)


def require_address(candidate_id: str) -> ShippingAddress:
    address = get_address(candidate_id)
    if address is None:
        raise NotFound("No shipping address has been saved yet.", code="shipping_address_not_found")
    return address


def save_address(candidate_id: str, address: ShippingAddress, now: datetime) -> ShippingAddress:
    """Replace the candidate's address (a PUT); returns what was stored."""
    ShippingAddressItem(
        keys.candidate_pk(candidate_id),
        keys.SHIPPING,
        candidate_id=candidate_id,
        address=address.to_attribute(),
        updated_at=now,
    ).save()
    return address
