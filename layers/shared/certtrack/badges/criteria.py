"""``criteria.narrative`` of an achievement, written from the catalog's requirement trees (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from certtrack.program.catalog import Catalog, Certification, Requirement


def _leaf(node: Requirement, exams: Mapping[str, str], catalog: Catalog) -> str:
    if node.type == "exams":
        names = ", ".join(f"{code} {exams[code]}" if code in exams else code for code in node.exams)
        which = "the exam" if len(node.exams) == 1 else f"{node.count} of the exams"
        return f"pass {which}: {names}"
    if node.type == "ce":
        return f"earn {node.points} Continuing Education credits"
    if node.type == "hold":
        held = catalog.certification(node.cert or "")
        return f"hold an active {held.name if held else node.cert} certification"
    return node.label


def _lines(node: Requirement, catalog: Catalog, depth: int) -> list[str]:
    indent = "  " * depth
    if node.type in ("all", "any"):
        if node.type == "all":
            head = "all of the following"
        else:
            head = "one of the following" if node.count == 1 else f"{node.count} of the following"
        lines = [f"{indent}- {node.label}: {head}"]
        for child in node.children:
            lines += _lines(child, catalog, depth + 1)
        return lines
    return [f"{indent}- {node.label}: {_leaf(node, catalog.exams, catalog)}"]


def narrative(cert: Certification, catalog: Catalog) -> str:
    """Markdown: how the certification is earned, how long it lasts, how it is renewed."""
    years = "year" if cert.validity_years == 1 else "years"
    return "\n".join(
        [
            f"To earn {cert.name} ({cert.category}), a candidate must meet these requirements:",
            *_lines(cert.initial, catalog, 0),
            "",
            f"The certification is valid for {cert.validity_years} {years}. To recertify before it expires:",
            *_lines(cert.recertification, catalog, 0),
        ]
    )
