"""The certificate stage of the demo and of scripted runs, in one call.

:func:`run_certificates` issues certificates for a subscriber file into a
folder and a database, signs a checkpoint of the decision log, verifies the
log, exports the public key ring, and writes one example certificate per
status, a partner view and one signed scenario answer per shipped scenario,
so a person can open them. :func:`write_policy_report` then answers every
scenario for every certificate of the run and writes the policy report. The
command line's ``demo`` calls both; so can a notebook.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from credcert._config import home
from credcert.batch import BatchReport, issue_file, read_certificates
from credcert.policies import PolicySet, answer, default_policies
from credcert.pseudonym import Pseudonymizer
from credcert.signing import KeyRing, SigningKey
from credcert.store import Store
from credcert.views import partner_view
from reports import write_page

__all__ = ["CertificateRun", "PolicyReport", "run_certificates", "write_policy_report"]

#: The partner the demo's example views and answers are given to.
DEMO_PARTNER = "demo-partner"

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
        (JSON: one certificate per status, ``certificate-<status>.json``; a
        partner view; and for the issued example one signed answer per
        shipped scenario, ``answer-<scenario>.json``, given to
        ``demo-partner``) and ``keyring.public.json``; and ``credcert.db``
        unless ``database`` is given.
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
    """One certificate per status; a partner view and answers for the issued one.

    Keys: the status, ``partner_view`` and ``answer_<scenario>``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    frame = read_certificates(certificates)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    written: dict[str, Path] = {}
    for status, group in frame.groupby("status", sort=True):
        document = json.loads(group["certificate"].iloc[0])
        written[str(status)] = _write(folder / f"certificate-{status}.json", document)
        if status == "issued":
            view = partner_view(
                document, "deposit_free_rental", DEMO_PARTNER, ring.active(), now
            )
            written["partner_view"] = _write(
                folder / "partner-view-deposit_free_rental.json", view
            )
            written.update(_answers(document, folder, ring.active(), now))
    return written


def _answers(
    document: dict[str, Any], folder: Path, key: SigningKey, at: dt.datetime
) -> dict[str, Path]:
    """The signed answer of every shipped scenario's policy in force ``at``."""
    policies = default_policies()
    out = {}
    for scenario in policies.scenarios:
        policy = policies.policy(scenario, at.date())
        signed = answer(policy, document, at=at, key=key, partner=DEMO_PARTNER)
        out[f"answer_{scenario}"] = _write(folder / f"answer-{scenario}.json", signed)
    return out


def _write(path: Path, document: object) -> Path:
    path.write_text(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return path


@dataclass
class PolicyReport:
    """Where the policy report is, and the groups it flags.

    Attributes
    ----------
    path : Path
    flagged : list of (scenario, attribute, group)
        Groups whose share of positive answers is under four-fifths of the
        best group's of the same attribute.
    """

    path: Path
    flagged: list[tuple[str, str, str]]


def write_policy_report(
    run: CertificateRun,
    subscribers: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    at: dt.datetime | None = None,
    policies: PolicySet | None = None,
) -> PolicyReport:
    """Answer every scenario for every certificate of ``run``; write the report.

    The same page as ``credcert scenarios report``, from the certificates the
    run issued (nothing is issued again).

    Parameters
    ----------
    run : CertificateRun
    subscribers : pandas.DataFrame
        The subscribers of the run, in the order of the file it issued
        from; only their group columns (age band, region, migrant) are read.
    path : path-like
        The HTML file to write.
    at : datetime, optional
        The day the policies in force answer; now by default.
    policies : PolicySet, optional
        The shipped policies by default.

    Raises
    ------
    ValueError
        If ``subscribers`` is not one row per certificate.
    """
    from credcert.policies._report import policy_page

    moment = at or dt.datetime.now(dt.UTC)
    documents = [
        json.loads(t) for t in read_certificates(run.certificates)["certificate"]
    ]
    label = f"{len(documents):,} certificates of batch {run.report.batch_id}"
    page, flagged = policy_page(
        documents,
        subscribers,
        policies or default_policies(),
        on=moment.date(),
        data_label=f"{label}, on {moment.date()}",
    )
    out = write_page(page, path)
    logger.info("policy report of batch %s: %s", run.report.batch_id, out)
    return PolicyReport(out, flagged)
