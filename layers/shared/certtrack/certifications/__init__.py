"""Certifications: records, imports, evaluation, certificates and logos, the expiry check."""
