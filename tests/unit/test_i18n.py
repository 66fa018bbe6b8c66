"""Every email, public page and certificate text in English and Japanese (certtrack/i18n.py).

The catalogue's message ids are extracted from the templates and the code with Babel (what a
translator's tool sees); every one has a Japanese entry, and no rendered Japanese output carries
an English sentence of the catalogue.
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from certtrack import email, i18n, pages, pdf
from certtrack.badges import credential, jsonld, multikey, verifier
from certtrack.certifications import reminders, verify
from certtrack.i18n import Money
from certtrack.identity.mapping import DisputeView, dispute_page
from certtrack.transcripts import public
from certtrack.transcripts.selection import ShownCertification
from pypdf import PdfReader

PACKAGE = Path(i18n.__file__).parent
_TRIMMED = {"trimmed": "true"}
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")
_TAG = re.compile(r"<[^>]+>")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _message_ids() -> dict[str, str]:
    """``{msgid: where}``: the singular of each message of the templates and of the code."""
    found: dict[str, str] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE),
        method_map=[("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2"), ("**.py", "python")],
        options_map={"templates/**.html": _TRIMMED, "templates/**.txt": _TRIMMED},
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "translate": (2,)},
    ):
        singular = message[0] if isinstance(message, tuple) else message
        found.setdefault(singular, filename)
    return found


@functools.cache
def _english_fragments() -> list[str]:
    """The English text of every message, cut at its placeholders and tags: what must not remain
    in a Japanese rendering (extracted once per process: every rendering checks against it)."""
    fragments: set[str] = set()
    for message in _message_ids():
        for part in _PLACEHOLDER.split(_TAG.sub("\x00", message)):
            for piece in part.split("\x00"):
                piece = piece.strip(" .,:;()·\"'")
                if re.search(r"[A-Za-z]{3}", piece) and not re.fullmatch(r"(CE|JSON|QR|Open Badges 3\.0)", piece):
                    fragments.add(piece)
    return sorted(fragments, key=len, reverse=True)


def test_every_message_has_a_japanese_entry_with_the_same_placeholders() -> None:
    ids = _message_ids()
    assert len(ids) > 100
    catalogue = i18n.catalogue("ja")
    missing = [message for message in ids if message not in catalogue]
    assert missing == []
    assert sorted(set(catalogue) - set(ids)) == []  # no stale entries either
    for message, translation in catalogue.items():
        forms = translation if isinstance(translation, tuple) else (translation,)
        for form in forms:
            assert form and form != message and _JAPANESE.search(form), message
            assert sorted(_PLACEHOLDER.findall(form)) == sorted(_PLACEHOLDER.findall(message)), message


# ---------------------------------------------------------------- emails

_BASE = "https://portal.example.org"
EMAILS: dict[str, dict[str, Any]] = {
    "case_merged": {
        "first_name": "Ada",
        "case_id": "SC-0123456789",
        "candidate_id": "CAND0001",
        "mapped": True,
        "link": f"{_BASE}/app/",
    },
    "certification_earned": {
        "first_name": "Ada",
        "certification_name": "CCNA",
        "abbreviation": "CCNA",
        "active_date": "2026-06-01",
        "expiration_date": "2029-06-01",
        "kit_name": "CCNA Welcome Kit",
        "claim_url": f"{_BASE}/app/#/fulfillment",
        "certification_url": f"{_BASE}/app/#/certifications/ccna",
    },
    "expiry_reminder": {
        "first_name": "Ada",
        "certification_name": "CCNP Enterprise",
        "abbreviation": "CCNP",
        "expiration_date": "2027-01-05",
        "days": 30,
        "still_needed": "earn 20 more CE credits",
        "requirements": [{"label": "Earn 30 CE credits", "remaining": 20.0}],
        "certification_url": f"{_BASE}/app/#/certifications/ccnp-enterprise",
        "unsubscribe_url": f"{_BASE}/public/reminders/unsubscribe?c=CAND0001&s=x",
    },
    "kit_shipped": {
        "first_name": "Ada",
        "kit_name": "CCNA Welcome Kit",
        "verification_code": "VC-1234",
        "fulfillment_id": "F-1",
        "tracking": True,
        "carrier": "UPS",
        "tracking_number": "1Z999AA10123456784",
        "tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        "verify_url": f"{_BASE}/public/verify/VC-1234",
        "history_url": f"{_BASE}/app/#/fulfillment/history",
    },
    "mapping_already_mapped": {"expires_hours": 2, "email_change": False},
    "mapping_connected_notice": {
        "first_name": "Ada",
        "link": f"{_BASE}/public/mapping/dispute?token=t",
        "lifetime_days": 14,
    },
    "mapping_duplicate": {"expires_hours": 2, "email_change": False, "case_id": "SC-0123456789", "count": 2},
    "mapping_link": {"expires_hours": 2, "email_change": True, "first_name": "Ada", "link": f"{_BASE}/app/#/map?t=x"},
    "mapping_unknown": {"expires_hours": 2, "email_change": False},
    "order_cancelled": {
        "first_name": "Ada",
        "order_id": "20260304050607-565d23e7",
        "items": [{"name": "CCNA Welcome Kit"}, {"name": "CCNA Wall Plaque"}],
        "refunded": True,
        "total": Money(15900, "USD"),
        "free_kit": True,
        "history_url": f"{_BASE}/app/#/fulfillment/history",
    },
    "order_confirmation": {
        "first_name": "Ada",
        "order_id": "20260304050607-565d23e7",
        "items": [
            {"name": "CCNA Welcome Kit", "price": Money(0, "USD")},
            {"name": "CCNA Wall Plaque", "price": Money(159000, "USD")},
        ],
        "tracking": True,
        "tracking_fee": Money(1000, "USD"),
        "total": Money(160000, "USD"),
        "history_url": f"{_BASE}/app/#/fulfillment/history",
    },
    "transcript_share": {
        "name": "Ada Lovelace",
        "transcript_id": "T-1",
        "url": f"{_BASE}/public/transcripts/abc",
        "expires_on": date(2027, 1, 5),
        "program_name": "Certification Program",
    },
}


def test_the_contexts_cover_every_email_template() -> None:
    names = {path.name.split(".")[0] for path in (PACKAGE / "templates" / "email").iterdir()}
    assert names == set(EMAILS)


_STYLE = re.compile(r"<style>.*?</style>", re.DOTALL)


@functools.cache
def _fragment_patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [
        (fragment, re.compile(rf"(?<![A-Za-z]){re.escape(fragment)}(?![A-Za-z])")) for fragment in _english_fragments()
    ]


def _english_left(text: str) -> list[str]:
    plain = _TAG.sub(" ", _STYLE.sub(" ", text))
    return [fragment for fragment, pattern in _fragment_patterns() if pattern.search(plain)]


@pytest.mark.parametrize("name", sorted(EMAILS))
def test_each_email_renders_in_both_languages(name: str) -> None:
    english = email.render(name, {**EMAILS[name], "language": "en"})
    japanese = email.render(name, {**EMAILS[name], "language": "ja"})
    for part in (english.subject, english.text, english.html):
        assert not _JAPANESE.search(part)
    assert english.sender_name == "Certification Program" and japanese.sender_name == "認定プログラム"
    assert '<html lang="ja">' in japanese.html and '<html lang="en">' in english.html
    for part in (japanese.subject, japanese.text, japanese.html):
        assert _JAPANESE.search(part)
        assert _english_left(part) == [], part
    assert "\n\n" in japanese.text  # paragraphs stay apart


def test_an_unknown_or_missing_language_is_english() -> None:
    context = EMAILS["order_confirmation"]
    assert email.render("order_confirmation", context) == email.render(
        "order_confirmation", {**context, "language": "fr"}
    )
    assert "Total: $1,600.00" in email.render("order_confirmation", context).text


def test_dates_and_money_follow_the_locale() -> None:
    earned = EMAILS["certification_earned"]
    assert "on June 1, 2026. It is valid until June 1, 2029." in email.render("certification_earned", earned).text
    japanese = email.render("certification_earned", {**earned, "language": "ja"}).text
    assert "2026年6月1日" in japanese and "2029年6月1日" in japanese
    order = email.render("order_confirmation", {**EMAILS["order_confirmation"], "language": "ja"}).text
    assert "$1,590.00" in order and "合計: $1,600.00" in order
    share = email.render("transcript_share", {**EMAILS["transcript_share"], "language": "ja"}).text
    assert "2027年1月5日火曜日" in share
    reminder = email.render("expiry_reminder", {**EMAILS["expiry_reminder"], "language": "ja"})
    assert "あと 30 日" in reminder.text and "Earn 30 CE credits\uff1a残り 20" in reminder.text
    assert i18n.format_number(1234.5, "en") == "1,234.5" and i18n.format_number(1234.5, "ja") == "1,234.5"
    assert i18n.format_money(Money(123456, "JPY"), "ja") == "￥1,235"


# ---------------------------------------------------------------- public pages


def _transcript(language: str) -> str:
    view = public.PublicTranscript(
        transcript_id="T-1",
        display_name="Ada Lovelace — network engineer",
        remarks="",
        expires_on=date(2027, 1, 5),
        program="Certification Program",
        first_name="Ada",
        last_name="Lovelace",
        address=None,
        email=None,
        certifications=[
            ShownCertification("ccna", "CCNA", "CCNA", "CCNA", 1, "2026-06-01", "2029-06-01", "active", "VC-1"),
            ShownCertification(
                "ccnp", "CCNP Enterprise", "CCNP", "CCNP", 2, "2020-01-01", "2023-01-01", "expired", None
            ),
        ],
    )
    return public.render_html(view, language)


def _verification(status: str) -> verify.Verification:
    return verify.Verification(
        code="VC-1",
        kind="certificate",
        first_name="Ada",
        last_name="Lovelace",
        cert_id="ccna",
        certification="CCNA",
        category="CCNA",
        status=status,
        active_date="2026-06-01",
        expiration_date="2029-06-01",
        checked_on="2026-12-01",
        program="Certification Program",
        superseded_on="2026-07-01",
    )


def _verify_page(status: str, language: str) -> str:
    return verify.render_page(_verification(status), language=language)


_VECTORS = Path(__file__).resolve().parent / "badges" / "vectors"
_CHECKED_AT = datetime(2026, 12, 1, 12, tzinfo=UTC)


@functools.cache
def _badge_checks() -> dict[str, verifier.Check]:
    """A check of each outcome, made by the verifier's own functions (the signed example is the
    specification's test vector, with its example context)."""
    signed = json.loads((_VECTORS / "eddsa-rdfc-2022-signedDataInt.json").read_text(encoding="utf-8"))
    examples = json.loads((_VECTORS / "credentials-examples-v2.jsonld").read_text(encoding="utf-8"))
    loader = jsonld.document_loader({"https://www.w3.org/ns/credentials/examples/v2": examples})
    public_key = multikey.public_key(json.loads((_VECTORS / "keyPair.json").read_text())["publicKeyMultibase"])
    unsigned = {key: value for key, value in signed.items() if key != "proof"}
    listed = {"credentialStatus": credential.status_entries(_BASE, 7)}

    def status(revoked: bool, suspended: bool) -> verifier.Check:
        return verifier.check_status(
            listed, _BASE, lambda list_id, _i: revoked if list_id.startswith("revocation") else suspended
        )

    def dates(**document: str) -> verifier.Check:
        return verifier.check_dates(document, _CHECKED_AT)

    return {
        "ours": verifier.check_issuer(signed, signed["issuer"]),
        "not_ours": verifier.check_issuer(signed, "did:web:portal.example.org"),
        "signed": verifier.check_signature(signed, lambda _method: public_key, loader),
        "unsigned": verifier.check_signature(unsigned, lambda _method: public_key, loader),
        "unknown_context": verifier.check_signature(
            {**signed, "@context": ["https://evil.example/c"]}, lambda _method: public_key, loader
        ),
        "active": status(False, False),
        "revoked": status(True, False),
        "suspended": status(False, True),
        "unknown": verifier.check_status({}, _BASE, lambda _l, _i: False),
        "valid": dates(validFrom="2026-01-01T00:00:00Z"),
        "not_yet_valid": dates(validFrom="2027-01-01T00:00:00Z"),
        "expired": dates(validUntil="2026-01-01T00:00:00Z"),
        "bad_dates": dates(validUntil="soon"),
    }


# The digital badge on the verification page: (issuer, signature, status, dates) of each summary.
_BADGE_REPORTS = {
    "verified": ("ours", "signed", "active", "valid"),
    "revoked": ("ours", "signed", "revoked", "valid"),
    "suspended": ("ours", "signed", "suspended", "expired"),
    "status_unknown": ("ours", "signed", "unknown", "valid"),
    "not_yet_valid": ("ours", "signed", "active", "not_yet_valid"),
    "expired": ("ours", "signed", "active", "expired"),
    "bad_dates": ("ours", "signed", "active", "bad_dates"),
    "invalid_signature": ("ours", "unsigned", None, "valid"),
    "unknown_context": ("ours", "unknown_context", None, "valid"),
    "not_ours": ("not_ours", None, None, "valid"),
}


def _badge_page(case: str, language: str) -> str:
    made = _badge_checks()
    issuer, signature, status, dates = _BADGE_REPORTS[case]
    not_checked = verifier.Check(
        verifier.NOT_CHECKED, i18n.N_("Status is read only for a credential whose signature is valid.")
    )
    report = verifier.Report(
        made[issuer],
        made[signature]
        if signature
        else verifier.Check(verifier.NOT_CHECKED, i18n.N_("Only credentials issued by this portal are verified here.")),
        made[status] if status else not_checked,
        made[dates],
        "urn:uuid:1",
    )
    shown = {"url": f"{_BASE}/public/credentials/c-1", **report.as_json(_CHECKED_AT, language)}
    return verify.render_page(_verification("active"), shown, language=language)


def test_the_badge_cases_reach_every_outcome() -> None:
    made = _badge_checks()
    assert {name: made[name].result for name in ("signed", "unsigned", "unknown_context")} == {
        "signed": "valid",
        "unsigned": "invalid",
        "unknown_context": "invalid",
    }
    assert [made[name].result for name in ("active", "revoked", "suspended", "unknown")] == [
        "active",
        "revoked",
        "suspended",
        "unknown",
    ]
    summaries = {
        _badge_page(case, "en").split("(JSON)</a>.", 1)[1].split("</p>", 1)[0].strip() for case in _BADGE_REPORTS
    }
    assert len(summaries) == len(_BADGE_REPORTS) - 1  # each its own summary; two invalid signatures alike


def test_the_badge_checks_read_as_before_in_english() -> None:
    english = _badge_page("verified", "en")
    assert "Verified: issued by this portal, unaltered, not revoked or suspended, and within its dates." in english
    assert "<dt>Signature</dt>\n<dd>valid: The signature matches the credential (eddsa-rdfc-2022).</dd>" in english
    assert "<dt>Status</dt>\n<dd>active: Neither revoked nor suspended.</dd>" in english
    context = _badge_page("unknown_context", "ja")
    assert (
        "未知の JSON-LD コンテキスト &#39;https://evil.example/c&#39;" in context
    )  # the value kept, the words translated
    assert "The credential is genuine but expired (validUntil has passed)." in _badge_page("expired", "en")


def _dispute_page(view: DisputeView, language: str) -> str:
    return dispute_page(view, "tok", language).html


def _pages() -> Iterator[tuple[str, str, Callable[[str], str]]]:
    """(case, template, render in a language): every page template in each of its states."""
    yield "transcript", "transcript", _transcript
    yield (
        "transcript_unavailable",
        "transcript_unavailable",
        lambda lang: public.render_unavailable(public.unavailable(), lang),
    )
    for status in ("active", "expired", "revoked"):
        yield f"verify_{status}", "verify", functools.partial(_verify_page, status)
    yield "verify_not_found", "verify", lambda lang: verify.render_page(None, language=lang)
    for case in _BADGE_REPORTS:
        yield f"verify_badge_{case}", "verify", functools.partial(_badge_page, case)
    yield "unsubscribe_confirm", "reminders_unsubscribe_confirm", reminders.confirm_page
    yield "unsubscribed", "reminders_unsubscribed", reminders.unsubscribed_page
    for state in ("confirm", "frozen", "invalid"):
        view = DisputeView(state=state, case_id="SC-0123456789" if state == "frozen" else None)
        yield f"mapping_dispute_{state}", "mapping_dispute", functools.partial(_dispute_page, view)


PAGES = {case: render for case, _template, render in _pages()}


def test_the_pages_cover_every_page_template() -> None:
    templates = {path.stem for path in (PACKAGE / "templates" / "pages").glob("*.html")} - {"base"}
    assert {template for _case, template, _render in _pages()} == templates


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_public_page_renders_in_both_languages(name: str) -> None:
    english, japanese = PAGES[name]("en"), PAGES[name]("ja")
    assert '<html lang="en">' in english and not _JAPANESE.search(english)
    assert '<html lang="ja">' in japanese and _JAPANESE.search(japanese)
    assert _english_left(japanese) == []
    # The CSP still names the page's one stylesheet: the language changes no style.
    assert (
        pages.page_headers(japanese)["Content-Security-Policy"]
        == pages.page_headers(english)["Content-Security-Policy"]
    )


def test_page_dates_and_statuses_follow_the_locale() -> None:
    japanese = _transcript("ja")
    assert "2026/06/01" in japanese and "2027年1月5日火曜日" in japanese and "期限切れ" in japanese
    english = _transcript("en")
    assert "2026-Jun-01" in english and "Tuesday, January 5, 2027" in english and "Expired" in english
    assert "2029年6月1日" in verify.render_page(_verification("active"), language="ja")


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("ja", "ja"),
        ("ja-JP,ja;q=0.9,en-US;q=0.8", "ja"),
        ("en-US,en;q=0.9,ja;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,ja;q=0.5", "ja"),
        ("fr, de", "en"),
        ("ja;q=0, en", "en"),
        ("ja;q=oops, en;q=0.2", "en"),
        ("*", "en"),
    ],
)
def test_accept_language_picks_the_best_of_en_and_ja(header: str | None, language: str) -> None:
    assert i18n.negotiate(header) == language


def test_a_stored_choice_wins_over_the_header() -> None:
    assert i18n.choose("ja", "en-US") == "ja"
    assert i18n.choose("en", "ja") == "en"
    assert i18n.choose(None, "ja") == "ja"
    assert i18n.choose("xx", None) == "en"


# ---------------------------------------------------------------- the certificate


def test_the_certificate_is_in_the_holders_language() -> None:
    content = pdf.CertificateContent(
        holder_name="Ada Lovelace",
        certification_name="CCNA",
        program="Certification Program",
        active_date="2026-06-01",
        expiration_date="2029-06-01",
        verification_code="VC-1234",
        verify_url=f"{_BASE}/public/verify/VC-1234",
        language="ja",
    )
    now = datetime(2026, 12, 1, tzinfo=UTC)
    reader = PdfReader(io.BytesIO(pdf.render_certificate(content, now)))
    text = _pdf_text(reader)
    for expected in (
        "認定証",
        "認定プログラム",
        "2026年6月1日",
        "2029年6月1日",
        "検証コード",
        "Ada Lovelace",
        "VC-1234",
    ):
        assert expected in text
    assert "Certificate of Achievement" not in text and "This certifies" not in text
    assert reader.metadata is not None and "認定証" in str(reader.metadata.title)
    # Every metadata text in Japanese too (title, author, subject, keywords, creator): the only
    # Latin left is the data (certification, holder, code).
    metadata = {
        name: str(reader.metadata.get(f"/{name}")) for name in ("Title", "Author", "Subject", "Keywords", "Creator")
    }
    for name, value in metadata.items():
        assert _JAPANESE.search(value) and _english_left(value) == [], (name, value)
    described = PdfReader(io.BytesIO(pdf.render_certificate(replace_language(content, "en"), now))).metadata
    assert described is not None and described.get("/Creator") == "Certification Tracking System"
    assert described.get("/Subject") == "Certificate of CCNA, verification code VC-1234"
    english = _pdf_text(PdfReader(io.BytesIO(pdf.render_certificate(replace_language(content, "en"), now))))
    assert "Certificate of Achievement" in english and "June 1, 2026" in english


def _pdf_text(reader: PdfReader) -> str:
    """The page's text without the control characters pypdf leaves around CJK glyphs."""
    return "".join(char for char in reader.pages[0].extract_text() if char >= " " or char == "\n")


def replace_language(content: pdf.CertificateContent, language: str) -> pdf.CertificateContent:
    from dataclasses import replace

    return replace(content, language=language)
