"""Certification logos: which a candidate has earned, and their download under the logo agreement.

Every active (unexpired) certification unlocks its logos; an achievement logo (10/15/20 years)
also needs the certification held that long since it was first earned. The artwork is the same
for every holder, so each logo is generated once from ``templates/logos/logo.svg`` (SVG, and a
PDF of the same SVG) and stored at ``logos/<logo_id>.<format>``. A download needs
``accept_agreement: true`` and records a ``LogoAcceptanceItem`` with the agreement version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from certtrack import keys
from certtrack.certifications.certificates import DownloadLink, presign, store_once
from certtrack.certifications.models import CertificationItem
from certtrack.db import TableItem
from certtrack.errors import NotFound, Unprocessable
from certtrack.fields import Schema
from certtrack.paging import page
from certtrack.program.catalog import Catalog, Certification, Logo, load_catalog
from certtrack.program.standing import is_current

if TYPE_CHECKING:
    from jinja2 import Environment

FORMATS: dict[str, str] = {"svg": "image/svg+xml", "pdf": "application/pdf"}
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LEVEL_COLORS = {1: "#00689d", 2: "#1f7a3a", 3: "#7a1f3d"}


class LogoAcceptanceItem(TableItem):
    """``CAND#<id> / LOGOACCEPT#<timestamp>``: the logo agreement accepted for one download."""

    sort_key = keys.LOGO_ACCEPT_PREFIX

    candidate_id = UnicodeAttribute()
    logo_id = UnicodeAttribute()
    format = UnicodeAttribute()
    agreement_version = UnicodeAttribute()
    accepted_at = UTCDateTimeAttribute()


@dataclass(frozen=True)
class EarnedLogo:
    id: str
    name: str
    formats: tuple[str, ...]
    cert_id: str
    years_held: int


class LogoOut(Schema):
    id: str
    name: str
    formats: list[str]


class AgreementOut(Schema):
    version: str
    text: str


class LogoPage(Schema):
    """``GET /me/logos``: the earned logos and the agreement a download accepts."""

    logos: list[LogoOut]
    agreement: AgreementOut
    next: str | None


def _anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February → 1 March in a common year
        return date(start.year + years, 3, 1)


def held_long_enough(item: CertificationItem, years: int, today: date) -> bool:
    if years <= 0:
        return True
    if not item.first_earned:
        return False
    return _anniversary(item.first_earned, years) <= today


def earned_logos(items: Iterable[CertificationItem], catalog: Catalog, today: date) -> list[EarnedLogo]:
    """The logos these certification records unlock on ``today``, in catalog order."""
    current = {item.cert_id: item for item in items if is_current(item, today)}
    out: list[EarnedLogo] = []
    for cert in catalog.certifications:
        item = current.get(cert.id)
        if item is None:
            continue
        for logo in cert.logos:
            if logo.years_held and not cert.is_expert:
                continue
            if held_long_enough(item, logo.years_held, today):
                out.append(EarnedLogo(logo.id, logo.name, tuple(FORMATS), cert.id, logo.years_held))
    return out


def _certifications(candidate_id: str) -> list[CertificationItem]:
    """The candidate's certification records: one Query on the partition, ``CERT#`` prefix."""
    return list(
        CertificationItem.query(keys.candidate_pk(candidate_id), CertificationItem.SK.startswith(keys.CERT_PREFIX))
    )


def list_logos(candidate_id: str, now: datetime, limit: int = 100, cursor: str | None = None) -> LogoPage:
    catalog = load_catalog()
    logos = earned_logos(_certifications(candidate_id), catalog, now.date())
    shown, next_cursor = page(logos, limit, cursor, field=None)
    return LogoPage(
        logos=[LogoOut(id=logo.id, name=logo.name, formats=list(logo.formats)) for logo in shown],
        agreement=AgreementOut(version=catalog.logo_agreement_version, text=catalog.logo_agreement_text),
        next=next_cursor,
    )


@lru_cache(maxsize=1)
def _svg_env() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("svg",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_svg(cert: Certification, logo: Logo, program: str, *, with_title: bool = True) -> str:
    badge = f"{logo.years_held}-year Achievement" if logo.years_held else ""
    return (
        _svg_env()
        .get_template("logos/logo.svg")
        .render(
            name=logo.name,
            program=program,
            abbreviation=cert.abbreviation,
            badge=badge,
            color=LEVEL_COLORS.get(cert.level, "#00689d"),
            with_title=with_title,
        )
    )


def _find(catalog: Catalog, logo_id: str) -> tuple[Certification, Logo] | None:
    for cert in catalog.certifications:
        for logo in cert.logos:
            if logo.id == logo_id:
                return cert, logo
    return None


def logo_key(logo_id: str, fmt: str) -> str:
    return f"logos/{logo_id}.{fmt}"


def download_logo(candidate_id: str, logo_id: str, fmt: str, accept_agreement: bool, now: datetime) -> DownloadLink:
    """A presigned URL of an earned logo; 404 if not earned, 422 for an unknown format or no consent."""
    catalog = load_catalog()
    earned = {logo.id: logo for logo in earned_logos(_certifications(candidate_id), catalog, now.date())}
    found = _find(catalog, logo_id)
    if logo_id not in earned or found is None:
        raise NotFound("No such logo among the logos you have earned.", code="logo_not_found")
    if fmt not in earned[logo_id].formats:
        raise Unprocessable(
            f"Format {fmt!r} is not offered; choose one of: {', '.join(earned[logo_id].formats)}.",
            code="format_not_offered",
        )
    if accept_agreement is not True:
        raise Unprocessable("Downloading a logo requires accepting the logo agreement.", code="agreement_required")
    cert, logo = found
    key = logo_key(logo_id, fmt)

    def render() -> bytes:
        if fmt == "svg":
            return render_svg(cert, logo, catalog.program).encode("utf-8")
        from certtrack import pdf  # the PDF path only

        svg = render_svg(cert, logo, catalog.program, with_title=False)
        return pdf.render_logo_pdf(pdf.LogoContent(logo.id, logo.name, catalog.program, svg), now)

    store_once(key, render, FORMATS[fmt])
    LogoAcceptanceItem(
        keys.candidate_pk(candidate_id),
        # The logo and format after the time keep two downloads in the same instant apart.
        keys.logo_accept_sk(f"{now.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{logo_id}.{fmt}"),
        candidate_id=candidate_id,
        logo_id=logo_id,
        format=fmt,
        agreement_version=catalog.logo_agreement_version,
        accepted_at=now,
    ).save()
    return presign(key, f"{logo_id}.{fmt}", FORMATS[fmt], now)
