"""The program's definition: the catalog (data) and the rules engine, at the bottom of the domain.

- ``catalog``: certifications, exams, requirement trees and attributes, loaded from ``catalog.json``.
- ``standing``: "is this certification current on day D?", the one rule every surface asks.
- ``rules``: the rules engine, a pure function of (catalog, evidence, stored standings, today).

Pure: no AWS, no I/O beyond reading the packaged ``catalog.json``, no clock. Every other domain
package reads the program from here; this package imports none of them (``.importlinter``).
"""
