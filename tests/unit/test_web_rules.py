"""web/rules.js is what scripts/web_rules.py makes of the checked-in OpenAPI schema and the server's
tables and sentences (regenerated with `make openapi`), and says what the server says."""

from __future__ import annotations

import json
import re
import sys
import unicodedata

from certtrack import field_messages
from certtrack.fulfillment import shipping

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import web_rules

OPENAPI = json.loads((ROOT / "layers" / "shared" / "certtrack" / "openapi.json").read_text(encoding="utf-8"))
RULES_JS = (ROOT / "web" / "rules.js").read_text(encoding="utf-8")


def _const(name: str) -> object:
    match = re.search(rf"export const {name} = (.*?);\n", RULES_JS, re.S)
    assert match, name
    return json.loads(match.group(1))


def test_rules_js_is_not_stale() -> None:
    assert web_rules.render(OPENAPI) == RULES_JS, "web/rules.js is stale: run `make openapi`"


def test_every_request_body_has_its_rules() -> None:
    schemas = _const("SCHEMAS")
    assert isinstance(schemas, dict)
    for name in (
        "ShippingAddress",
        "Localized",
        "SettingsIn",
        "AttributesIn",
        "TranscriptRequest",
        "EmailMappingRequest",
        "GrantRequest",
        "CloseRequest",
        "NameRequest",
        "CreditRequest",
    ):
        assert name in schemas, name
    address = schemas["ShippingAddress"]
    latin_name = {"type": "string", "minLength": 1, "maxLength": 60, "required": True, "x-rule": "latin"}
    assert address["first_name"] == latin_name
    assert "required" not in address["address2"]
    assert address["postal_code"]["required"] is True
    assert address["postal_code"]["optionalIn"] == {"country": sorted(shipping.NO_POSTAL_CODE)}
    assert address["localized"] == {"ref": "Localized"}


def test_the_sentences_are_the_servers() -> None:
    messages = _const("MESSAGES")
    assert isinstance(messages, dict)
    assert messages["required"] == field_messages.plain("missing", None, "")
    assert messages["tooLong"].replace("{n}", "60") == field_messages.plain("string_too_long", {"max_length": 60}, "")
    assert messages["email"] == field_messages.EMAIL
    assert messages["latin"] == "Must use Latin (Roman) letters, digits and common punctuation only."


def test_the_latin_letters_are_the_servers_rule() -> None:
    tables = _const("TABLES")
    assert isinstance(tables, dict)
    ranges = re.findall(r"\\u\{([0-9A-F]+)\}(?:-\\u\{([0-9A-F]+)\})?", tables["latinLetters"])
    letters = {chr(c) for a, b in ranges for c in range(int(a, 16), int(b or a, 16) + 1)}
    for ch in "éŁßĳǅ":
        assert ch in letters and shipping.is_latin_text(ch)
    for ch in "山Жα":
        assert ch not in letters and not shipping.is_latin_text(ch)
    assert all(unicodedata.name(ch).startswith("LATIN ") for ch in letters)
    assert tables["countries"] == sorted(shipping.COUNTRIES)
