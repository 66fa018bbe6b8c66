"""Routes document their answers one way: ``certtrack.openapi.responses``."""

from __future__ import annotations

from certtrack.openapi import PROBLEM_REF, PROBLEM_SCHEMA, responses

PROBLEM = {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}}


def test_success_takes_the_return_annotation_and_errors_are_problems() -> None:
    documented = responses({404: "`not_found`", 409: "`conflict`"}, ok=(202, "Accepted"))
    assert documented == {
        202: {"description": "Accepted"},
        404: {"description": "`not_found`", "content": PROBLEM},
        409: {"description": "`conflict`", "content": PROBLEM},
    }
    assert responses() == {200: {"description": "OK"}}


def test_an_html_route_declares_pages_for_success_and_errors() -> None:
    documented = responses({404: "gone"}, page=True)
    assert documented[200] == {"description": "OK", "content": {"text/html": {}}}
    assert documented[404]["content"] == {**PROBLEM, "text/html": {}}


def test_the_problem_schema_requires_the_stable_code() -> None:
    assert PROBLEM_SCHEMA["title"] == "Problem" and "code" in PROBLEM_SCHEMA["required"]


def test_a_json_ld_route_declares_its_media_type() -> None:
    documented = responses({404: "`credential_not_found`"}, media_type="application/ld+json")
    assert documented[200] == {"description": "OK", "content": {"application/ld+json": {"schema": {"type": "object"}}}}
    assert documented[404]["content"] == PROBLEM
