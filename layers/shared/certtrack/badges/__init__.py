"""Digital badges: every certification period as a signed Open Badges 3.0 credential.

Pure parts (no I/O): ``jsonld`` (shipped contexts, RDFC-1.0), ``multikey`` (Ed25519 keys and
base58btc), ``proof`` (eddsa-rdfc-2022), ``credential`` (the OpenBadgeCredential), ``did`` (the
issuer's did:web document), ``statuslist`` (bitstrings). The rest reads and writes: ``keyring``
(the key set in Secrets Manager), ``store`` (issued credentials and status indexes in the table),
``service`` (the use cases the handlers call).
"""
