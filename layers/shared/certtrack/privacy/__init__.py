"""A candidate's privacy requests: download everything the program holds about them, and erase
their login (with the personal data the program is not required to keep).

Both read only the caller's own partition (``CAND#<id>``, the id from the caller's login mapping),
and both leave an audit item there. The policy, item type by item type, is :mod:`.sections`.
"""
