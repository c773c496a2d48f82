"""Alembic environment: runs on a connection handed over by ``Store.migrate``."""

from __future__ import annotations

from alembic import context

from credcert.store._tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the programmatic path is used
    raise RuntimeError(
        "credcert migrations run through credcert.store.Store.migrate(), "
        "which supplies the database connection"
    )
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
