"""Certifications API: records and progress, documents (PDF, logos), verification, transactions.

Routes live in routers beside this module, one per concern; this module assembles them.
"""

from __future__ import annotations

import certtrack.coldstart

from badges_routes import router as badges_router
from certtrack.api import make_app, make_handler
from documents_routes import router as documents_router
from records_routes import router as records_router
from reminders_routes import router as reminders_router
from transactions_routes import router as transactions_router

app = make_app("Certifications, progress, documents and verification")
app.include_router(records_router)
app.include_router(documents_router)
app.include_router(transactions_router)
app.include_router(reminders_router)
app.include_router(badges_router)

lambda_handler = make_handler(app)

certtrack.coldstart.ready()  # loaded: collect garbage again
