"""certtrack: the domain package of the Certification Tracking System.

Every Lambda function imports this package from the shared layer. Modules are
organised by domain noun (identity, certifications, fulfillment, transcripts)
over a few infrastructure modules (settings, keys, db, errors, auth, api,
email, documents, pdf).
"""
