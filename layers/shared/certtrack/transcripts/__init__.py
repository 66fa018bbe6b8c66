"""Transcripts: a holder's certifications disclosed to third parties through a capability link.

- ``models``: the transcript item (GSI1 ``PUBLIC#<public id>``) and the daily email counter.
- ``selection``: which certifications a transcript shows; request rules (pure, no AWS).
- ``holder``: the holder's profile, certifications and address in one Query.
- ``service``: create, list, read, replace, revoke (``/me/transcripts``).
- ``links``: public URL and share links; ``share``: email preview/send with the daily limit.
- ``public``: the public page (HTML or JSON), view counting and its security headers.
- ``expiry``: expires a transcript the daily expiry check found past its last day.
"""
