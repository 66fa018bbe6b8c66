"""Digital badges routes of the certifications API: the caller's badges, public credentials, the DID."""

from __future__ import annotations

import json
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from certtrack import clock
from certtrack.api import SECURITY_HEADERS, body_bytes
from certtrack.badges.schemas import DID_JSON, LD_JSON, BadgeList, CredentialVerification
from certtrack.errors import PayloadTooLarge, Unprocessable
from certtrack.identity import current_candidate_id
from certtrack.openapi import responses

router = Router()
# The signing code (cryptography, and pyld on first canonicalisation) is imported by the badge
# routes when they run, so the other routes of this function do not pay for it at cold start.

# A credential never changes once issued and the DID document only with a key rotation; a status
# change may take these five minutes to reach a verifier that fetched the list just before.
PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}


@router.get("/me/badges")
def get_badges() -> BadgeList:
    """Every certification the caller has held, as a signed Open Badges 3.0 credential (issued on
    first listing in each certification period)."""
    from certtrack.badges import service

    return service.list_badges(current_candidate_id(router), clock.now())


@router.get(
    "/public/credentials/<credential_id>",
    responses=responses(
        {404: "`credential_not_found`: no credential has this id"},
        ok=(200, "The signed OpenBadgeCredential"),
        media_type=LD_JSON,
    ),
)
def get_credential(credential_id: Annotated[str, Path(max_length=64)]) -> Response[str]:
    """Public: the signed `OpenBadgeCredential` (embedded `DataIntegrityProof`, eddsa-rdfc-2022)."""
    from certtrack.badges import service

    return Response(
        status_code=200,
        content_type=LD_JSON,
        body=service.public_credential(credential_id),
        headers={**SECURITY_HEADERS, **PUBLIC_CACHE},
    )


@router.get(
    "/.well-known/did.json",
    responses=responses(
        ok=(200, "The issuer's DID document (did:web), its Multikey verification methods"), media_type=DID_JSON
    ),
)
def get_did_document() -> Response[str]:
    """Public: the issuer's DID document; every badge key, the retired ones too, is a verification method."""
    from certtrack.badges import service

    return Response(
        status_code=200,
        content_type=DID_JSON,
        body=json.dumps(service.did_document()),
        headers={**SECURITY_HEADERS, **PUBLIC_CACHE},
    )


@router.get(
    "/public/status/<list_id>",
    responses=responses(
        {404: "`status_list_not_found`: not a status list id (`revocation-<n>`, `suspension-<n>`)"},
        ok=(200, "The signed BitstringStatusListCredential"),
        media_type=LD_JSON,
    ),
)
def get_status_list(list_id: Annotated[str, Path(max_length=32)]) -> Response[str]:
    """Public: the signed `BitstringStatusListCredential` (131,072 entries, GZIP + multibase base64url)."""
    from certtrack.badges import service

    return Response(
        status_code=200,
        content_type=LD_JSON,
        body=service.status_list(list_id, clock.now()),
        headers={**SECURITY_HEADERS, **PUBLIC_CACHE},
    )


# A credential of ours is about 10 KB (most of it the embedded logo); canonicalisation cost grows
# with the document, so anything far larger is refused before it is parsed as JSON-LD.
MAX_CREDENTIAL_BYTES = 65_536


@router.post(
    "/public/credentials/verify",
    responses=responses(
        {
            400: "`malformed_json`: the body is not JSON",
            413: f"`credential_too_large`: more than {MAX_CREDENTIAL_BYTES} bytes",
            422: "`credential_too_complex` (too deep, too many values, a pathological graph) or not a JSON object",
        },
        ok=(200, "The checks: issuer, signature, status and dates"),
    ),
)
def post_verify_credential(credential: Annotated[dict[str, Any], Body()]) -> CredentialVerification:
    """Public: verify a credential someone received (JSON, as downloaded): is it ours, is it
    unaltered (eddsa-rdfc-2022 with our DID's keys), revoked or suspended, within its dates."""
    from certtrack.badges import jsonld, service, verifier

    if len(body_bytes(router.current_event.raw_event)) > MAX_CREDENTIAL_BYTES:
        raise PayloadTooLarge(f"A credential is at most {MAX_CREDENTIAL_BYTES} bytes.", code="credential_too_large")
    now = clock.now()
    try:
        verifier.bound(credential)
        report = service.verify_credential(credential, now)
    except (verifier.TooComplex, jsonld.TooComplex) as error:
        raise Unprocessable(
            f"This is not a credential that can be checked: {error}.", code="credential_too_complex"
        ) from None
    return CredentialVerification.model_validate(report.as_json(now))
