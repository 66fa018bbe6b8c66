"""The public URL of a transcript and its share links (plain, mailto, LinkedIn, Facebook, X)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote, urlencode

from certtrack.settings import get_settings
from certtrack.transcripts.schemas import LinkedInLink, ShareLinks
from certtrack.transcripts.selection import ACTIVE, ShownCertification

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"
LINKEDIN_SHARE = "https://www.linkedin.com/sharing/share-offsite/"
FACEBOOK_SHARE = "https://www.facebook.com/sharer/sharer.php"
TWITTER_INTENT = "https://twitter.com/intent/tweet"


def public_url(public_id: str) -> str:
    return f"{get_settings().public_base_url}/public/transcripts/{public_id}"


def _query(params: dict[str, str]) -> str:
    return urlencode(params, quote_via=quote)


def _year_month(value: str | None) -> tuple[str, str]:
    if not value:
        return "", ""
    year, month, _day = value.split("-")
    return year, str(int(month))


def linkedin_add_to_profile(cert: ShownCertification, *, url: str, organization: str, fallback_id: str) -> str:
    """LinkedIn's add-to-profile form, prefilled with one certification."""
    issue_year, issue_month = _year_month(cert.active_date)
    exp_year, exp_month = _year_month(cert.expiration_date)
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": cert.name,
        "organizationName": organization,
        "issueYear": issue_year,
        "issueMonth": issue_month,
        "expirationYear": exp_year,
        "expirationMonth": exp_month,
        "certUrl": url,
        "certId": cert.verification_code or fallback_id,
    }
    return f"{LINKEDIN_ADD}?{_query(params)}"


def _primary(certifications: Sequence[ShownCertification]) -> ShownCertification | None:
    """The certification LinkedIn's single link adds: the highest-level active one."""
    active = [c for c in certifications if c.status == ACTIVE]
    if not active:
        return None
    return sorted(active, key=lambda c: (-c.level, c.category, c.name))[0]


def share_links(
    *,
    url: str,
    holder_name: str,
    transcript_id: str,
    organization: str,
    certifications: Sequence[ShownCertification],
) -> tuple[ShareLinks, list[LinkedInLink]]:
    """The share block of a transcript, and one LinkedIn link per active certification shown."""
    title = f"Transcript for {holder_name}".strip()
    per_cert = [
        LinkedInLink(
            certification_id=c.id,
            url=linkedin_add_to_profile(c, url=url, organization=organization, fallback_id=transcript_id),
        )
        for c in certifications
        if c.status == ACTIVE
    ]
    primary = _primary(certifications)
    linkedin = (
        linkedin_add_to_profile(primary, url=url, organization=organization, fallback_id=transcript_id)
        if primary
        else f"{LINKEDIN_SHARE}?{_query({'url': url})}"
    )
    links = ShareLinks(
        url=url,
        email=f"mailto:?{_query({'subject': title, 'body': url})}",
        linkedin=linkedin,
        facebook=f"{FACEBOOK_SHARE}?{_query({'u': url})}",
        twitter=f"{TWITTER_INTENT}?{_query({'url': url, 'text': title})}",
    )
    return links, per_cert
