"""Certifications: the catalog (data), the rules engine, records, imports and the expiry check."""
