"""The agent console: server-rendered pages for customer-service agents.

An agent signs in with an API key (role agent, risk or admin), finds a
certificate by id, by pseudonym or by phone number and activation date, reads
it in plain Chinese or English (status, score, grade, the five dimensions,
rule flags with their legal basis, reasons as whole sentences, suggestions
with their horizon, data sources, versions, the subscriber's history), opens
a dispute on a data item, and works the dispute and review queues. See
``docs/console.md``.

:func:`mount` adds the pages under ``/console`` to the service's app.
"""

from fastapi import FastAPI

from credcert.service.console._routes import ConsoleBodyLimit, ConsoleRoute, router
from credcert.service.console._session import Sessions

__all__ = ["ConsoleRoute", "mount", "router"]


def mount(app: FastAPI) -> None:
    """Add the console's pages, its session table and its body limit to ``app``."""
    app.state.console_sessions = Sessions()
    app.include_router(router)
    app.add_middleware(ConsoleBodyLimit)
