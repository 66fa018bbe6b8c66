"""The program's side of the portal: what operators look up and change (the operator console).

Sits on top of the domain: it reads and writes through ``identity``, ``certifications``,
``fulfillment``, ``transcripts`` and ``badges``, and every write it makes carries an
``identity.operator_audit`` item in the same transaction.
"""
