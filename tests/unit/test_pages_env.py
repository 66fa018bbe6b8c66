"""Public pages and emails render through separate Jinja2 environments."""

from __future__ import annotations

from certtrack import email, pages


def test_pages_see_only_page_templates_and_emails_only_email_templates() -> None:
    page_templates = set(pages.jinja_env().list_templates())
    email_templates = set(email.jinja_env().list_templates())
    assert {"base.html", "verify.html", "transcript.html", "mapping_dispute.html"} <= page_templates
    assert {"mapping_link.subject.txt", "mapping_link.txt", "mapping_link.html"} <= email_templates
    assert not page_templates & email_templates
    assert pages.jinja_env() is not email.jinja_env()


def test_a_page_is_autoescaped_and_extends_the_one_layout() -> None:
    html = pages.render("mapping_dispute.html", state="frozen", case_id="<b>CASE-1</b>", action="")
    assert "&lt;b&gt;CASE-1&lt;/b&gt;" in html and "<b>CASE-1</b>" not in html
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert pages.page_headers(html)["Content-Security-Policy"].startswith("default-src 'none'; style-src 'sha256-")
