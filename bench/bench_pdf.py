"""Certificate PDFs: render time, size, and the cached second request (moto in-process).

``python -m bench.bench_pdf`` prints the figures; ``run()`` returns them for ``make bench``:

- ``pdf.median_ms`` — median wall time of one certificate (Latin name, Noto Sans subset embedded,
  QR code) in a warm process; ``pdf.median_cpu_ms`` the same in CPU time of the thread (less
  sensitive to a busy machine); ``pdf.bytes`` — its size.
- ``pdf.first_ms`` — the first certificate of a process (parses the base font once).
- ``pdf.cyrillic_median_ms``, ``pdf.rtl_median_ms`` (Arabic, shaped), ``pdf.cjk_median_ms`` (the
  16 MB CJK fallback font, subset per document), ``pdf.cjk_bytes``.
- ``pdf.cached_ms`` — median of ``POST /me/certifications/{id}/certificate``'s domain call once
  the PDF is stored (HEAD on S3 + presign, no rendering); ``pdf.stored_first_ms`` the first one
  (code reservation, render, put).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench.support import ccna_holder, environment
from local.sandbox import aws_sandbox

RUNS = 30


def _timed(action: Callable[[], Any], runs: int = RUNS) -> tuple[float, float, Any]:
    """(median wall ms, median thread-CPU ms, last result)."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.thread_time()
        result = action()
        cpus.append((time.thread_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    return statistics.median(walls), statistics.median(cpus), result


def _render_figures() -> dict[str, float]:
    from certtrack import pdf

    now = datetime.now(UTC)
    counter = iter(range(1_000_000))

    def certificate(name: str) -> Callable[[], bytes]:
        def render() -> bytes:
            code = f"K7MX3QP{next(counter):03d}"[:10]
            content = pdf.CertificateContent(
                holder_name=name,
                certification_name="CCNP Enterprise",
                program="Certification Program",
                active_date="2025-04-01",
                expiration_date="2028-04-01",
                verification_code=code,
                verify_url=f"https://certs.example.com/public/verify/{code}",
            )
            return pdf.render_certificate(content, now)

        return render

    first_ms, _, _ = _timed(certificate("Zoë Ångström-Łukasiewicz"), runs=1)
    median_ms, median_cpu_ms, document = _timed(certificate("Zoë Ångström-Łukasiewicz"))
    cyrillic_ms, _, _ = _timed(certificate("Дмитрий Шостакович"))
    certificate("محمد بن سلمان")()
    rtl_ms, _, _ = _timed(certificate("محمد بن سلمان"))
    certificate("王小明")()
    cjk_ms, _, cjk_document = _timed(certificate("王小明 / 山田 太郎 / 김민준"), runs=5)
    return {
        "pdf.first_ms": round(first_ms, 1),
        "pdf.median_ms": round(median_ms, 1),
        "pdf.median_cpu_ms": round(median_cpu_ms, 1),
        "pdf.bytes": float(len(document)),
        "pdf.cyrillic_median_ms": round(cyrillic_ms, 1),
        "pdf.rtl_median_ms": round(rtl_ms, 1),
        "pdf.cjk_median_ms": round(cjk_ms, 1),
        "pdf.cjk_bytes": float(len(cjk_document)),
    }


def _cached_figures() -> dict[str, float]:
    with aws_sandbox():
        from certtrack.certifications.certificates import certificate_link

        now = datetime.now(UTC)
        candidate_id = "CSCO10000001"
        ccna_holder(candidate_id, "Zoë", "Ångström", now)
        stored_first_ms, _, _ = _timed(lambda: certificate_link(candidate_id, "ccna", now), runs=1)
        cached_ms, _, _ = _timed(lambda: certificate_link(candidate_id, "ccna", now))
    return {"pdf.stored_first_ms": round(stored_first_ms, 1), "pdf.cached_ms": round(cached_ms, 2)}


def run() -> dict[str, float]:
    environment()
    return {**_render_figures(), **_cached_figures()}


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<24} {value:g}")
