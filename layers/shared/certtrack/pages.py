"""Public HTML pages: certificate verification, shared transcripts, the reminder unsubscribe answer.

One layout, ``templates/pages/base.html`` (language, viewport, not indexed, no referrer, one inline
stylesheet), and one header policy: a Content-Security-Policy that allows nothing but the page's
own stylesheet, named by its hash, plus the privacy headers every public answer carries.
"""

from __future__ import annotations

import base64
import hashlib
import re

PRIVACY_HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}

_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def style_source(css: str) -> str:
    """The CSP source expression of one inline stylesheet: ``'sha256-<base64>'``."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(css.encode('utf-8')).digest()).decode()}'"


def content_security_policy(*styles: str, form_action: str = "'none'") -> str:
    """``form_action`` is ``'self'`` only for a page whose form posts back to itself (unsubscribe)."""
    style_src = " ".join(style_source(css) for css in styles) or "'none'"
    return (
        f"default-src 'none'; style-src {style_src}; img-src 'none'; base-uri 'none'; "
        f"form-action {form_action}; frame-ancestors 'none'"
    )


def page_headers(html: str, *, form_action: str = "'none'") -> dict[str, str]:
    """Privacy headers and a CSP allowing only the rendered page's own inline stylesheet(s)."""
    policy = content_security_policy(*_STYLE.findall(html), form_action=form_action)
    return {**PRIVACY_HEADERS, "Content-Security-Policy": policy}
