"""POST to a running dev server's ``/_local/*`` routes: what the command-line scripts share."""

from __future__ import annotations

import json
import urllib.request


def post_local(url: str, path: str, body: bytes, content_type: str, timeout: float) -> dict[str, object]:
    """``POST {url}{path}`` and the JSON object it answers; ``ValueError`` for a non-http(s) URL,
    ``urllib.error.URLError``/``HTTPError`` when the server cannot be reached or says no."""
    if not url.startswith(("http://", "https://")):
        raise ValueError("--url must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        f"{url.rstrip('/')}{path}",
        data=body,
        method="POST",
        headers={"Content-Type": content_type},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only
        return dict(json.loads(response.read()))
