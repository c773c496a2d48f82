"""The certificate stage of the demo and of scripted runs, in one call.

:func:`run_certificates` issues certificates for a subscriber file into a
folder and a database, signs a checkpoint of the decision log, verifies the
log, exports the public key ring, and writes one example certificate per
status and a partner view, so a person can open them. The command line's
``demo`` calls it; so can a notebook.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from credcert._config import home
from credcert.batch import BatchReport, issue_file, read_certificates
from credcert.pseudonym import Pseudonymizer
from credcert.signing import KeyRing
from credcert.store import Store
from credcert.views import partner_view

__all__ = ["CertificateRun", "run_certificates"]

logger = logging.getLogger(__name__)


@dataclass
class CertificateRun:
    """Where a certificate run wrote, and what it found."""

    report: BatchReport
    certificates: Path
    database: str
    public_keys: Path
    examples: dict[str, Path] = field(default_factory=dict)
    log_problems: list[str] = field(default_factory=list)


def run_certificates(
    source: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    scorecard: str | os.PathLike[str],
    credcert_home: str | os.PathLike[str] | None = None,
    database: str | None = None,
    processes: int = 2,
    at: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CertificateRun:
    """Issue, store, checkpoint, verify and sample certificates for a file.

    Parameters
    ----------
    source : path-like
        Subscriber file (Parquet or CSV).
    out_dir : path-like
        Gets ``certificates/`` (Parquet parts and manifest), ``examples/``
        (one certificate per status and a partner view, JSON) and
        ``keyring.public.json``; and ``credcert.db`` unless ``database`` is
        given.
    scorecard : path-like
        The scorecard artifact.
    credcert_home : path-like, optional
        Where keys and the pseudonym secret live (``$CREDCERT_HOME`` or
        ``~/.credcert`` by default; created on first use).
    database : str, optional
        SQLAlchemy URL; a SQLite file in ``out_dir`` by default.
    processes : int
        Worker processes (1 runs inline).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    folder = home(credcert_home)
    ring = KeyRing.open(folder / "keys")
    url = database or f"sqlite:///{(out / 'credcert.db').resolve()}"
    with Store(url) as store:
        report = issue_file(
            source,
            out / "certificates",
            scorecard=scorecard,
            key=ring.active(),
            pseudonymizer=Pseudonymizer.from_home(folder),
            at=at,
            store=store,
            engine="processes" if processes > 1 else "inline",
            processes=processes,
            progress=progress,
        )
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        store.checkpoint(ring.active(), max(now, _issued(report)))
        problems = [str(p) for p in store.verify_log(ring.public())]
    run = CertificateRun(
        report,
        out / "certificates",
        url,
        ring.export_public(out / "keyring.public.json"),
        log_problems=problems,
    )
    run.examples = _examples(run.certificates, out / "examples", ring)
    logger.info("certificate run %s: %d certificates", report.batch_id, report.rows)
    return run


def _issued(report: BatchReport) -> dt.datetime:
    manifest = json.loads((report.out_dir / "manifest.json").read_text())
    stamp = str(manifest["issued_at"])
    return dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def _examples(certificates: Path, folder: Path, ring: KeyRing) -> dict[str, Path]:
    """One certificate per status, and a deposit-free-rental partner view."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = read_certificates(certificates)
    written: dict[str, Path] = {}
    for status, group in frame.groupby("status", sort=True):
        document = json.loads(group["certificate"].iloc[0])
        path = folder / f"certificate-{status}.json"
        path.write_text(
            json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        written[str(status)] = path
        if status == "issued":
            view = partner_view(
                document,
                "deposit_free_rental",
                "demo-partner",
                ring.active(),
                dt.datetime.now(dt.UTC).replace(microsecond=0),
            )
            view_path = folder / "partner-view-deposit_free_rental.json"
            view_path.write_text(
                json.dumps(view, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            written["partner_view"] = view_path
    return written
