"""Which logos a candidate has earned (pure: records in, logos out) and the SVG artwork."""

from __future__ import annotations

from datetime import date

from certtrack import keys
from certtrack.certifications.logos import earned_logos, render_svg
from certtrack.certifications.models import CertificationItem
from certtrack.program.catalog import load_catalog

TODAY = date(2026, 11, 25)


def record(
    cert_id: str, *, status: str = "active", first_earned: str = "2025-01-01", expires: str = "2027-01-01"
) -> CertificationItem:
    return CertificationItem(
        keys.candidate_pk("CSCO10000001"),
        keys.cert_sk(cert_id),
        candidate_id="CSCO10000001",
        cert_id=cert_id,
        status=status,
        active_date=date(2025, 1, 1),
        expiration_date=date.fromisoformat(expires),
        first_earned=date.fromisoformat(first_earned),
    )


def ids(*records: CertificationItem) -> list[str]:
    return [logo.id for logo in earned_logos(records, load_catalog(), TODAY)]


def test_active_certifications_unlock_their_logo() -> None:
    assert ids(record("ccna"), record("specialist-enterprise-core")) == ["ccna", "specialist-enterprise-core"]


def test_expired_in_progress_and_revoked_unlock_nothing() -> None:
    assert ids(record("ccna", status="expired")) == []
    assert ids(record("ccna", status="in_progress")) == []
    assert ids(record("ccna", status="revoked")) == []
    assert ids(record("ccna", expires="2026-11-24")) == [], "past its expiry even if not yet marked"
    assert ids(record("ccna", expires="2026-11-25")) == ["ccna"], "the expiry day itself still counts"


def test_achievement_logos_follow_years_held_since_first_earned() -> None:
    assert ids(record("ccie-enterprise", first_earned="2017-01-01")) == ["ccie-enterprise"]
    assert ids(record("ccie-enterprise", first_earned="2016-11-25")) == ["ccie-enterprise", "ccie-10-year"]
    assert ids(record("ccie-enterprise", first_earned="2011-11-26")) == ["ccie-enterprise", "ccie-10-year"]
    assert ids(record("ccie-enterprise", first_earned="2005-06-01")) == [
        "ccie-enterprise",
        "ccie-10-year",
        "ccie-15-year",
        "ccie-20-year",
    ]


def test_achievement_needs_the_certification_active_now() -> None:
    assert ids(record("ccde", status="expired", first_earned="2000-01-01")) == []


def test_every_logo_is_offered_in_svg_and_pdf() -> None:
    logos = earned_logos([record("ccna")], load_catalog(), TODAY)
    assert logos[0].formats == ("svg", "pdf")
    assert logos[0].name == "CCNA Certification"


def test_svg_names_the_logo_and_escapes_text() -> None:
    catalog = load_catalog()
    cert = catalog.certification("ccie-enterprise")
    assert cert is not None
    svg = render_svg(cert, cert.logos[1], "Program <&> Co")
    assert "<title>CCIE Certification - 10-year Achievement</title>" in svg
    assert "10-year Achievement" in svg
    assert "Program &lt;&amp;&gt; Co" in svg
    assert svg.lstrip().startswith("<svg")
