"""Digital badges: signing and verifying one CCNA credential, and one status change (moto in-process).

``python -m bench.bench_badges`` prints the figures; ``run()`` returns them for ``make bench``:

- ``badges.sign_ms`` — median over 30 runs of ``proof.sign`` (eddsa-rdfc-2022: RDFC-1.0 of the
  credential and of the proof options, SHA-256, Ed25519) of the CCNA credential the service issued
  (the logo embedded; its size is ``badges.credential_bytes``), in a warm process: issuing it
  processed and cached the shipped contexts, as the first badge request of a Lambda does.
- ``badges.verify_ms`` — median over 30 runs of ``proof.verify`` of that signed credential (the
  same canonicalisation and hashes, then the Ed25519 check).
- ``badges.status_update_ms`` — median over 30 runs of one status change as the service makes it
  (``store.set_status``: the chunk's bit and the badge's flag in one transaction) followed by the
  list signed again from the table (``service.status_list``: the chunks read, 131,072 bits GZIP +
  multibase, signed); the revocation bit is set and cleared in turn.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench.support import ccna_holder, environment

RUNS = 30


def _median_ms(action: Callable[[], Any], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _figures() -> dict[str, float]:
    from local.sandbox import aws_sandbox

    with aws_sandbox():
        from certtrack.badges import credential, did, keyring, proof, service, store

        now = datetime.now(UTC)
        candidate_id = "CSCO10000002"
        ccna_holder(candidate_id, "Edith", "Clarke", now, email="edith.clarke@example.com")
        [listed] = service.list_badges(candidate_id, now).badges
        [badge] = store.badges_of(candidate_id, consistent=True)
        stored = store.credential(badge.credential_id)
        assert stored is not None and listed.certification_id == "ccna"
        signed = json.loads(stored.document)
        unsigned = {name: value for name, value in signed.items() if name != "proof"}

        keyset = keyring.current()
        issuer = service.issuer_did()
        method = did.method_id(issuer, keyset.active)
        created = signed["proof"]["created"]
        public_keys = {did.method_id(issuer, key_id): key.public_key() for key_id, key in keyset.keys.items()}

        def sign() -> dict[str, Any]:
            return proof.sign(unsigned, keyset.signing_key, method, created)

        def verify() -> None:
            proof.verify(signed, public_keys.get)

        assert sign() == signed, "the bench must sign the very credential the service issued"
        sign_ms = _median_ms(sign)
        verify_ms = _median_ms(verify)

        list_id = credential.status_list_id("revocation", int(badge.status_index))
        position = int(badge.status_index) % credential.STATUS_LIST_SIZE
        flips = iter(range(1_000_000))

        def status_update() -> str:
            revoked = next(flips) % 2 == 0
            assert store.set_status(badge, revoked=revoked, suspended=False)
            return service.status_list(list_id, now)

        status_update_ms = _median_ms(status_update)
        assert store.status_bit(list_id, position) is False  # an even number of flips: back as issued
    return {
        "badges.sign_ms": round(sign_ms, 2),
        "badges.verify_ms": round(verify_ms, 2),
        "badges.status_update_ms": round(status_update_ms, 2),
        "badges.credential_bytes": float(len(stored.document.encode("utf-8"))),
    }


def run() -> dict[str, float]:
    environment("functions/certifications", BADGE_KEYS_SECRET_ARN="certtrack-bench-badge-keys")
    return _figures()


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<28} {value:g}")
