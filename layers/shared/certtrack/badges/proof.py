"""Data Integrity proofs, cryptosuite ``eddsa-rdfc-2022`` (W3C VC Data Integrity EdDSA), pure.

Signing: the proof configuration (the proof without ``proofValue``, with the document's
``@context``) and the document without its proof are each canonicalised with RDFC-1.0 and hashed
with SHA-256; Ed25519 signs proof hash ‖ document hash; ``proofValue`` is the signature in
multibase base58btc. Verification redoes the hashes and checks the signature with the public key
of the proof's ``verificationMethod``, which the caller resolves (only our own DID's methods).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certtrack.badges import multikey
from certtrack.badges.jsonld import Loader, canonize
from certtrack.i18n import N_

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"
ASSERTION = "assertionMethod"


class ProofInvalid(ValueError):
    """The proof does not verify (the message says what failed, ``reason`` as a stable code).
    ``message`` is a catalogue message with ``values`` for its placeholders: the verification
    page shows it in its reader's language (certtrack.badges.verifier)."""

    def __init__(self, message: str, reason: str = "proof_malformed", values: Mapping[str, str] | None = None) -> None:
        self.message, self.values = message, dict(values or {})
        super().__init__(message % self.values if self.values else message)
        self.reason = reason


@dataclass(frozen=True)
class Hashes:
    """What the suite hashes and signs; the test vectors publish each of them."""

    document_canonical: str
    proof_canonical: str
    document_hash: bytes
    proof_hash: bytes

    @property
    def signed_data(self) -> bytes:
        return self.proof_hash + self.document_hash


def proof_options(verification_method: str, created: str) -> dict[str, Any]:
    return {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": ASSERTION,
    }


def hashes(document: Mapping[str, Any], options: Mapping[str, Any], loader: Loader | None = None) -> Hashes:
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    config = {key: value for key, value in options.items() if key != "proofValue"}
    config["@context"] = document.get("@context")
    document_canonical = canonize(unsecured, loader)
    proof_canonical = canonize(config, loader)
    return Hashes(
        document_canonical=document_canonical,
        proof_canonical=proof_canonical,
        document_hash=hashlib.sha256(document_canonical.encode("utf-8")).digest(),
        proof_hash=hashlib.sha256(proof_canonical.encode("utf-8")).digest(),
    )


def sign(
    document: Mapping[str, Any],
    key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
    loader: Loader | None = None,
) -> dict[str, Any]:
    """``document`` with an embedded proof (``created``: an XML Schema dateTime, e.g. ``…Z``)."""
    options = proof_options(verification_method, created)
    signature = key.sign(hashes(document, options, loader).signed_data)
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    return unsecured | {"proof": options | {"proofValue": multikey.base58btc(signature)}}


def verify(
    document: Mapping[str, Any],
    resolve: Callable[[str], Ed25519PublicKey | None],
    loader: Loader | None = None,
) -> Mapping[str, Any]:
    """The proof of a signed document, if it verifies; :class:`ProofInvalid` otherwise.

    ``resolve`` maps a verification method id to its public key (``None``: not a method we know).
    Canonicalisation problems (``certtrack.badges.jsonld.JsonLdProblem``) propagate as they are.
    """
    proof = document.get("proof")
    if not isinstance(proof, Mapping):
        raise ProofInvalid(N_("the credential has no proof (or more than one)"))
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofInvalid(
            N_("the proof is not a %(type)s with cryptosuite %(suite)s"),
            values={"type": PROOF_TYPE, "suite": CRYPTOSUITE},
        )
    if proof.get("proofPurpose") != ASSERTION:
        raise ProofInvalid(N_("the proof's purpose is not assertionMethod"))
    method = proof.get("verificationMethod")
    value = proof.get("proofValue")
    if not isinstance(method, str) or not isinstance(value, str):
        raise ProofInvalid(N_("the proof lacks its verificationMethod or proofValue"))
    public = resolve(method)
    if public is None:
        raise ProofInvalid(N_("the verification method is not one of the issuer's keys"), "unknown_key")
    try:
        signature = multikey.from_base58btc(value)
    except multikey.InvalidMultibase:
        raise ProofInvalid(N_("the proofValue is not multibase base58btc")) from None
    try:
        public.verify(signature, hashes(document, proof, loader).signed_data)
    except InvalidSignature:
        raise ProofInvalid(N_("the signature does not match the credential"), "signature_mismatch") from None
    return proof
