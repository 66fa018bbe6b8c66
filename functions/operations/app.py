"""Operators API (the operator console): every route is for logins in the `operators` group.

Routes live in routers beside this module, one per concern; this module assembles them.
"""

from __future__ import annotations

import certtrack.coldstart

from audit_routes import router as audit_router
from candidates_routes import router as candidates_router
from cases_routes import router as cases_router
from certtrack.api import make_app, make_handler
from grants_routes import router as grants_router
from import_routes import router as import_router

app = make_app("Operator console: candidate lookup, support cases, grants and corrections, imports, audit")
app.include_router(audit_router)
app.include_router(import_router)
app.include_router(candidates_router)
app.include_router(cases_router)
app.include_router(grants_router)

lambda_handler = make_handler(app)

certtrack.coldstart.ready()  # loaded: collect garbage again
