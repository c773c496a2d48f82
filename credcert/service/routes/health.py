"""Routes open to everyone: health, and the public keys that verify signatures."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text

from credcert.service.auth import public
from credcert.service.deps import ServicesDep
from credcert.signing import format_time

__all__ = ["router"]

router = APIRouter(tags=["service"])


class Health(BaseModel):
    """Whether the service can answer, and what it issues with."""

    model_config = ConfigDict(extra="forbid")

    status: str
    database: str
    writer: str
    versions: dict[str, str]
    time: str


class PublicKeyOut(BaseModel):
    """A verification key with its validity window (``not_after`` null: open)."""

    kid: str
    alg: str
    public_key: str
    not_before: str
    not_after: str | None
    status: str


class KeyRingOut(BaseModel):
    """Everything a partner needs to verify certificates and views offline."""

    schema_: str
    keys: list[PublicKeyOut]

    model_config = ConfigDict(
        populate_by_name=True,
        alias_generator=lambda name: "schema" if name == "schema_" else name,
    )


@router.get("/v1/health", dependencies=[public()], response_model=Health)
def health(services: ServicesDep) -> Health:
    """Answer 200 if the database answers; no key needed."""
    try:
        with services.store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # the point of a health check is to say, not to raise
        database = "unavailable"
    writer = services.writer
    running = writer is not None and writer.running
    return Health(
        status="ok" if database == "ok" and running else "degraded",
        database=database,
        writer="running" if running else "stopped",
        versions=services.issuer().versions,
        time=format_time(services.now()),
    )


@router.get(
    "/v1/keys",
    dependencies=[public()],
    response_model=KeyRingOut,
    response_model_by_alias=True,
)
def public_keys(services: ServicesDep) -> dict[str, Any]:
    """The public verification keys with their validity windows; no key needed."""
    return services.public_keys.to_json()
