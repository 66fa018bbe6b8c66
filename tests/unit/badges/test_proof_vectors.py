"""eddsa-rdfc-2022 against the specification's published test vector (w3c/vc-di-eddsa, copied
unchanged into ``vectors/``): canonical forms, hashes, signature and proofValue, byte for byte."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from certtrack.badges import jsonld, multikey, proof

VECTORS = Path(__file__).resolve().parent / "vectors"
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"


def _json(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def _text(name: str) -> str:
    return (VECTORS / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def loader() -> jsonld.Loader:
    # The example vocabulary is the vector's, not the portal's: only the tests add it.
    return jsonld.document_loader({EXAMPLES_CONTEXT: _json("credentials-examples-v2.jsonld")})


@pytest.fixture(scope="module")
def key_pair() -> dict[str, str]:
    return dict(_json("keyPair.json"))


def _options() -> dict[str, Any]:
    config = _json("eddsa-rdfc-2022-proofConfigDataInt.json")
    return {key: value for key, value in config.items() if key != "@context"}


def test_the_shipped_contexts_are_the_published_ones() -> None:
    shipped = jsonld.shipped_contexts()
    assert shipped[jsonld.VC_V2] == _json("credentials-v2.jsonld")
    assert shipped[jsonld.OB_V3] == _json("ob-context-3.0.3.json")


def test_canonical_forms_and_hashes_match_the_vector(loader: jsonld.Loader) -> None:
    hashes = proof.hashes(_json("unsigned.json"), _options(), loader)

    assert hashes.document_canonical == _text("eddsa-rdfc-2022-canonDocDataInt.txt")
    assert hashes.proof_canonical == _text("eddsa-rdfc-2022-proofCanonDataInt.txt")
    assert hashes.document_hash.hex() == _text("eddsa-rdfc-2022-docHashDataInt.txt").strip()
    assert hashes.proof_hash.hex() == _text("eddsa-rdfc-2022-proofHashDataInt.txt").strip()
    assert hashes.signed_data.hex() == _text("eddsa-rdfc-2022-combinedHashDataInt.txt").strip()


def test_signing_the_example_gives_the_published_proof(loader: jsonld.Loader, key_pair: dict[str, str]) -> None:
    key = multikey.private_key(key_pair["privateKeyMultibase"])
    options = _options()

    signed = proof.sign(_json("unsigned.json"), key, options["verificationMethod"], options["created"], loader)

    assert multikey.public_multikey(key.public_key()) == key_pair["publicKeyMultibase"]
    assert signed == _json("eddsa-rdfc-2022-signedDataInt.json")
    signature = multikey.from_base58btc(signed["proof"]["proofValue"])
    assert signature.hex() == _text("eddsa-rdfc-2022-sigHexDataInt.txt").strip()


def _resolver(key_pair: dict[str, str]) -> Any:
    method = _options()["verificationMethod"]
    public = multikey.public_key(key_pair["publicKeyMultibase"])
    return lambda vm: public if vm == method else None


def test_the_published_credential_verifies(loader: jsonld.Loader, key_pair: dict[str, str]) -> None:
    checked = proof.verify(_json("eddsa-rdfc-2022-signedDataInt.json"), _resolver(key_pair), loader)
    assert checked["proofValue"].startswith("z2YwC8z3")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("name",), "Alumni Credentia1"),
        (("credentialSubject", "alumniOf"), "The School of Exampels"),
        (("validFrom",), "2023-01-02T00:00:00Z"),
        (("proof", "created"), "2023-02-24T23:36:39Z"),
    ],
)
def test_a_tampered_field_fails(
    loader: jsonld.Loader, key_pair: dict[str, str], path: tuple[str, ...], value: str
) -> None:
    signed = copy.deepcopy(_json("eddsa-rdfc-2022-signedDataInt.json"))
    target = signed
    for name in path[:-1]:
        target = target[name]
    target[path[-1]] = value

    with pytest.raises(proof.ProofInvalid, match="signature does not match"):
        proof.verify(signed, _resolver(key_pair), loader)


def test_a_wrong_key_fails(loader: jsonld.Loader) -> None:
    other = multikey.key_from_secret("another-key-" + "x" * 40).public_key()
    signed = _json("eddsa-rdfc-2022-signedDataInt.json")

    with pytest.raises(proof.ProofInvalid, match="signature does not match"):
        proof.verify(signed, lambda _vm: other, loader)
    with pytest.raises(proof.ProofInvalid, match="not one of the issuer's keys"):
        proof.verify(signed, lambda _vm: None, loader)


def test_an_unknown_context_is_refused_without_a_fetch(loader: jsonld.Loader) -> None:
    document = _json("unsigned.json")
    document["@context"].append("https://contexts.example/evil.jsonld")

    with pytest.raises(jsonld.UnknownContext, match=r"evil\.jsonld"):
        jsonld.canonize(document, loader)
    with pytest.raises(jsonld.UnknownContext, match="examples/v2"):
        jsonld.canonize(_json("unsigned.json"))  # the shipped set has no example vocabulary


def test_multibase_round_trips_leading_zero_bytes() -> None:
    for data in (b"", b"\0", b"\0\0\x01", bytes(range(40))):
        assert multikey.from_base58btc(multikey.base58btc(data)) == data
    with pytest.raises(multikey.InvalidMultibase):
        multikey.from_base58btc("z0OIl")
    with pytest.raises(multikey.InvalidMultibase):
        multikey.public_key(multikey.base58btc(b"\x80\x26" + bytes(32)))
