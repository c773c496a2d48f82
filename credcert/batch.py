"""Batch issuing: a subscriber file in, signed certificates out, resumable.

The file is cut into chunks of ``chunk_size`` rows. For each chunk the main
process validates the rows against the data contract, pseudonymises the
subscriptions (raw numbers never leave it), and hands the chunk to a worker:
inline, a pool of processes, or Dask (``dask.distributed``, worker processes,
since the rule engine holds Python's global lock). Workers evaluate the rules
(vectorised, with the durable_rules engine for the rows where a rule fires,
to get its trace), score, explain and encode each certificate's content.
Back in the main process, in chunk order, every ``tree_size`` certificates
form a Merkle tree whose root is signed once (the private key never leaves
the main process); each certificate carries its inclusion proof and verifies
on its own. The chunk is then written as one Parquet part file (atomically)
and, with a database, its certificates, decision-log entries and ledger row
in one transaction.

Resuming: the output folder's ``manifest.json`` fixes the batch id, the
issue time and the chunking, so a rerun produces the same bytes; a chunk is
done when its part file exists (and, with a database, its ledger row), and a
chunk that was half done is simply done again. Killed at any moment and
restarted, no certificate is lost or duplicated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import io
import itertools
import json
import logging
import multiprocessing
import operator
import os
import pickle
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Any, SupportsIndex

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from credcert._encode import CertificateEncoder, Decision, capped, source_json
from credcert._errors import BatchError
from credcert._explainer import LayerExplainer
from credcert.certificate import CERTIFICATE_SCHEMA
from credcert.decision_log import LogEntry
from credcert.issue import (
    DEFAULT_VALID_DAYS,
    DIGEST_COLUMNS,
    certificate_id,
    digest_row,
)
from credcert.pseudonym import Pseudonymizer
from credcert.signing import SigningKey, format_time, parse_time, signature_texts

if TYPE_CHECKING:
    from credcert.store import Store
from rules import RuleEngine, RuleOutcome, evaluate_frame, facts_records, load_ruleset
from rules import combine as combine_rules
from scorecard import ScorecardArtifact, load_artifact, score_frame
from subscribers import (
    PERSONAL_COLUMNS,
    RecordError,
    Source,
    as_of_column,
    validate_frame,
)

__all__ = [
    "MANIFEST",
    "BatchReport",
    "BatchSettings",
    "issue_file",
    "read_certificates",
]

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MANIFEST_SCHEMA = "credcert.batch-manifest/1"
_SOURCES = tuple(Source)
_SIGNATURE = b',"signature":'
_PART_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("subject", pa.string()),
        ("status", pa.string()),
        ("score", pa.float64()),
        ("grade", pa.string()),
        ("issued_at", pa.string()),
        ("expires_on", pa.string()),
        ("chunk", pa.int32()),
        ("content_digest", pa.string()),
        ("certificate", pa.string()),
    ]
)


@dataclass(frozen=True)
class BatchSettings:
    """What every worker needs; small, picklable, identical on every engine.

    ``scorecard_json`` is the artifact file's text (checksummed, loaded in
    each worker), so workers need no shared file system.
    """

    scorecard_json: str
    ruleset_path: str | None
    rules_on: dt.date
    issued_at: str
    valid_days: int = DEFAULT_VALID_DAYS
    with_log: bool = True

    @property
    def key(self) -> str:
        text = json.dumps(asdict(self), default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class BatchReport:
    """What a batch run did."""

    batch_id: str
    out_dir: Path
    rows: int
    chunks: int
    chunks_done_before: int
    statuses: dict[str, int] = field(default_factory=dict)


@dataclass
class _ChunkResult:
    """A chunk's certificates before signing.

    ``columns`` holds ``id, subject, status, score, grade, content_digest``
    (as in the part file) and, with a database, each log entry body
    (``body``), as Arrow columns. ``heads`` and ``tails`` are each
    certificate's UTF-8 text before and after its signature block.

    The texts, about 4 kB a certificate, are small ``bytes`` objects rather
    than Arrow columns: the process pool pickles with protocol 4, under which
    pyarrow copies a buffer into a bytearray and that into bytes before the
    pickle copies it once more (and the main process twice back), each time
    into freshly mapped memory, 80 MB a chunk, whose page faults cost more
    than the copies. Small bytes are copied once into the pickle and come
    back in reused heap memory. Dask pickles with protocol 5, and there the
    texts travel as two out-of-band buffers instead (:meth:`__reduce_ex__`).
    """

    index: int
    columns: pa.RecordBatch
    heads: list[bytes]
    tails: list[bytes]
    expires_on: str

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        """Under protocol 5, heads and tails as two out-of-band buffers.

        Dask sends an out-of-band buffer as a frame of its own without copying
        it (and without cutting it up, under 64 MiB: 55 and 25 MB at the
        default chunk size); in the pickle itself, tens of thousands of small
        bytes objects would be copied in and out one by one.
        """
        if operator.index(protocol) < 5:
            return super().__reduce_ex__(protocol)
        heads, tails = _packed(self.heads), _packed(self.tails)
        fields = (self.index, self.columns, *heads, *tails, self.expires_on)
        return _ChunkResult._unpacked, fields

    @classmethod
    def _unpacked(
        cls,
        index: int,
        columns: pa.RecordBatch,
        heads: Any,
        head_ends: np.ndarray,
        tails: Any,
        tail_ends: np.ndarray,
        expires_on: str,
    ) -> _ChunkResult:
        return cls(
            index,
            columns,
            _pieces(heads, head_ends),
            _pieces(tails, tail_ends),
            expires_on,
        )


def _packed(pieces: list[bytes]) -> tuple[pickle.PickleBuffer, np.ndarray]:
    """Pieces joined into one buffer to pickle out of band, and their ends."""
    return pickle.PickleBuffer(b"".join(pieces)), np.cumsum(_sizes(pieces))


def _pieces(buffer: Any, ends: np.ndarray) -> list[bytes]:
    """The pieces of a buffer :func:`_packed` made.

    Bytes, not views of the buffer: views are objects the cyclic garbage
    collector would have to visit, tens of thousands a chunk.
    """
    view = memoryview(buffer)
    bounds = [0, *ends.tolist()]
    return [bytes(view[a:b]) for a, b in itertools.pairwise(bounds)]


# --- workers --------------------------------------------------------------------


class _Worker:
    """Per-process state: engine, scorecard and encoder, built once."""

    def __init__(self, settings: BatchSettings) -> None:
        _one_thread()
        path = settings.ruleset_path
        self.ruleset = load_ruleset(path) if path else load_ruleset()
        self.on = settings.rules_on
        self.engine = RuleEngine(self.ruleset, on=self.on)
        self.card = _artifact_from_text(settings.scorecard_json)
        explainer = LayerExplainer(self.card)
        self.explainer = explainer
        versions = {
            "certificate_schema": CERTIFICATE_SCHEMA,
            "ruleset": f"{self.ruleset.name}@{self.ruleset.version}",
            "scorecard": f"{self.card.name}@{self.card.scorecard_version}",
            "templates": explainer.templates_version,
        }
        self.encoder = CertificateEncoder(
            self.card, explainer, versions, settings.valid_days
        )
        self.issued_at = settings.issued_at
        self.issued_on = parse_time(settings.issued_at).date()
        self.passed = combine_rules((), self.ruleset.version)
        self.rule_ids = [r.id for r in self.ruleset.rules_on(self.on)]
        self.with_log = settings.with_log

    def outcomes(self, frame: pd.DataFrame) -> list[RuleOutcome]:
        """Rule outcomes: vectorised, with the engine's trace where a rule fires."""
        fired = evaluate_frame(self.ruleset, frame, on=self.on)[self.rule_ids]
        rows = np.flatnonzero(fired.to_numpy(dtype=bool).any(axis=1))
        out = [self.passed] * len(frame)
        facts = facts_records(frame.iloc[rows])
        for i, subject in zip(rows, facts, strict=True):
            out[i] = self.engine.evaluate(subject)
        return out

    def run(
        self, index: int, batch_id: str, first_row: int, frame: pd.DataFrame
    ) -> _ChunkResult:
        """Encode a chunk's certificates; see :func:`issue_chunk`."""
        ids = [certificate_id(batch_id, first_row + i) for i in range(len(frame))]
        outcomes = self.outcomes(frame)
        scores = score_frame(self.card, frame)
        bins = scores.bins[self.encoder.features].to_numpy().tolist()
        dims = self.encoder.dimensions
        dim_points = scores.dimension_points[dims].to_numpy().tolist()
        dim_percent = scores.dimension_percent[dims].to_numpy().tolist()
        totals, grades = scores.score.tolist(), list(scores.grade)
        columns = _json_columns(frame)
        evaluation = columns["evaluation_date"]
        sources = _source_columns(frame, columns)
        subjects = frame["subject"].tolist()
        digests_in = self.with_log and _input_digests(subjects, columns)
        scored = [i for i, o in enumerate(outcomes) if o.status != "deny"]
        explained: list[Any] = [None] * len(outcomes)
        many = self.explainer.reasons_many(
            np.asarray([bins[i] for i in scored], dtype=np.int64).reshape(
                len(scored), len(self.encoder.features)
            ),
            [outcomes[i].fired for i in scored],
        )
        for i, pair in zip(scored, many, strict=True):
            explained[i] = pair
        heads, tails, digests, statuses = [], [], [], []
        grades_out: list[str | None] = []
        scores_out: list[float | None] = []
        bodies: list[str] = []
        for i, outcome in enumerate(outcomes):
            denied = outcome.status == "deny"
            decision = Decision(
                outcome.status,
                outcome.grade_cap,
                outcome.fired,
                None if denied else bins[i],
                None if denied else dim_points[i],
                None if denied else dim_percent[i],
                None if denied else totals[i],
                None if denied else grades[i],
            )
            head, tail, status, codes = self.encoder.content(
                certificate_id=ids[i],
                subject=subjects[i],
                issued_at=self.issued_at,
                issued_on=self.issued_on,
                evaluation_date=evaluation[i],
                sources=sources[i],
                decision=decision,
                explained=explained[i],
            )
            head_bytes, tail_bytes = head.encode(), tail.encode()
            digest = "sha256:" + sha256(head_bytes + b"," + tail_bytes).hexdigest()
            grade = None if denied else capped(grades[i], outcome.grade_cap)
            heads.append(head_bytes)
            tails.append(tail_bytes)
            digests.append(digest)
            statuses.append(status)
            grades_out.append(grade)
            scores_out.append(None if denied else round(totals[i], 2))
            if digests_in:
                bodies.append(
                    self.encoder.log_body(
                        input_digest=digests_in[i],
                        content_digest=digest,
                        status=status,
                        decision=decision,
                        grade=grade,
                        codes=codes,
                    )
                )
        columns = {
            "id": pa.array(ids, pa.string()),
            "subject": pa.array(subjects, pa.string()),
            "status": pa.array(statuses, pa.string()),
            "score": pa.array(scores_out, pa.float64()),
            "grade": pa.array(grades_out, pa.string()),
            "content_digest": pa.array(digests, pa.string()),
        }
        if digests_in:
            columns["body"] = pa.array(bodies, pa.string())
        expires = self.issued_on + dt.timedelta(days=self.encoder.valid_days)
        return _ChunkResult(
            index, pa.record_batch(columns), heads, tails, expires.isoformat()
        )


def _json_columns(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """The digest columns as lists of JSON-ready values (dates as ISO text)."""
    out: dict[str, list[Any]] = {}
    for name in DIGEST_COLUMNS:
        column: Any = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            column = column.dt.strftime("%Y-%m-%d")
        out[name] = column.to_numpy(dtype=object, na_value=None).tolist()
    return out


def _source_columns(frame: pd.DataFrame, columns: dict[str, list[Any]]) -> list[str]:
    """The ``data_sources`` JSON of every row, built column by column.

    Equal to :func:`credcert._encode.sources_json` row by row (tested through
    the batch and one-by-one equality); the missing case of each source is
    one constant text.
    """
    evaluation = pd.to_datetime(frame["evaluation_date"])
    texts = np.full(len(frame), "[", dtype=object)
    for k, source in enumerate(_SOURCES):
        name, label = as_of_column(source), source.value
        days = np.asarray(columns[name], dtype=object)
        ages: Any = (evaluation - pd.to_datetime(frame[name])).dt.days
        present = ages.notna().to_numpy()
        entry = np.full(len(frame), source_json(label, None, None), dtype=object)
        if present.any():
            age_text = ages[present].astype("int64").astype(str).to_numpy(dtype=object)
            entry[present] = (
                '{"age_days":'
                + age_text
                + ',"as_of":"'
                + days[present]
                + f'","source":"{label}"}}'
            )
        texts = texts + entry if k == 0 else texts + "," + entry
    return (texts + "]").tolist()


def _input_digests(subjects: list[str], columns: dict[str, list[Any]]) -> list[str]:
    rows = zip(subjects, *(columns[name] for name in DIGEST_COLUMNS), strict=True)
    return [digest_row(list(row)) for row in rows]


def _one_thread() -> None:
    """A worker is one core: keep numba's parallel scoring to one thread."""
    try:
        import numba

        numba.set_num_threads(1)
    except (ImportError, ValueError):  # pragma: no cover - numba is optional here
        pass


_WORKERS: dict[str, _Worker] = {}


def _worker(settings: BatchSettings) -> _Worker:
    key = settings.key
    if key not in _WORKERS:
        _WORKERS.clear()
        _WORKERS[key] = _Worker(settings)
    return _WORKERS[key]


def issue_chunk(
    settings: BatchSettings,
    index: int,
    batch_id: str,
    first_row: int,
    frame: pd.DataFrame,
) -> _ChunkResult:
    """Encode a pseudonymised chunk's certificates (runs in a worker).

    Certificate ids follow from the batch id and the row number, so only the
    frame travels to the worker.
    """
    worker = _worker(settings)
    with _collector_paused():
        return worker.run(index, batch_id, first_row, frame)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a chunk is encoded.

    A chunk makes hundreds of thousands of containers (rule outcomes, reasons,
    flags) that all live until it is done; the collector's passes over them,
    and over every object the worker's libraries keep, took about a fifth of
    a worker's time. Nothing of the chunk is cyclic garbage worth collecting
    early; the collector resumes, as it was, once the chunk is encoded.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _artifact_from_text(text: str) -> ScorecardArtifact:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scorecard.json"
        path.write_text(text, encoding="utf-8")
        return load_artifact(path)


# --- running chunks: inline, process pool, Dask -----------------------------------


_Task = tuple[int, str, int, pd.DataFrame]
"""A chunk for :func:`issue_chunk`: (index, batch id, first row, frame)."""


class _Runner:
    """Submits chunks to workers; results come back as futures."""

    workers = 1

    def submit(self, settings: BatchSettings, task: _Task) -> Any:
        done: Future[_ChunkResult] = Future()
        done.set_result(issue_chunk(settings, *task))
        return done

    def close(self) -> None:
        """Release the workers."""


class _PoolRunner(_Runner):
    def __init__(self, processes: int) -> None:
        self.workers = processes
        context = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(processes, mp_context=context)

    def submit(self, settings: BatchSettings, task: _Task) -> Any:
        return self.pool.submit(issue_chunk, settings, *task)

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


_LOCAL_DASK_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.scheduler.work-stealing": False,
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.client.scheduler-info-interval": "10s",
}


class _DaskRunner(_Runner):
    """Chunks on ``dask.distributed``: a scheduler address, or a local cluster.

    The local cluster has worker processes with one thread each: the rule
    engine holds Python's global lock, so threads would not run in parallel.

    Known shortcoming: the client reads the file, sends each pseudonymised
    chunk to a worker and gets the encoded certificates back to sign and
    write, so on a real cluster the client's network link and its one core
    bound throughput. Remove by letting workers read their row groups and
    write their part files, signing with a short-lived per-batch key that
    the long-term key certifies (keeping private keys and the pseudonym
    secret off the workers then needs a worker-side secret store).
    """

    def __init__(self, address: str | None, processes: int) -> None:
        import dask
        from distributed import Client, LocalCluster

        self.cluster = None
        if address is None:
            # The cluster lives for one batch and has no dashboard: drop the
            # background work that only feeds one (the workers' statistical
            # profiler, frequent system samples) and work stealing (chunks
            # are equal; stealing would only move their data around). Idle,
            # the defaults cost about a tenth of a core on this machine.
            with dask.config.set(_LOCAL_DASK_CONFIG):
                self.cluster = LocalCluster(
                    n_workers=processes,
                    processes=True,
                    threads_per_worker=1,
                    dashboard_address=None,
                )
                # Results come straight from the worker that holds them rather
                # than through the scheduler (which a local cluster runs in this
                # process, so each result would cross loopback twice more).
                self.client = Client(self.cluster, direct_to_workers=True)
        else:
            self.client = Client(address)
        self.workers = max(1, len(self.client.scheduler_info()["workers"]))

    def submit(self, settings: BatchSettings, task: _Task) -> Any:
        index, batch_id = task[0], task[1]
        return self.client.submit(
            issue_chunk,
            settings,
            *task,
            pure=False,
            key=f"credcert-chunk-{index}-{batch_id}",
        )

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _runner(engine: str, processes: int, address: str | None) -> _Runner:
    if engine == "inline":
        return _Runner()
    if engine == "processes":
        return _PoolRunner(processes)
    if engine == "dask":
        return _DaskRunner(address, processes)
    raise BatchError(
        f"engine: expected 'inline', 'processes' or 'dask'; got {engine!r}"
    )


# --- the manifest and the input -------------------------------------------------------


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _manifest(
    out_dir: Path, source: Path, settings: dict[str, Any], rows: int
) -> dict[str, Any]:
    """The batch's manifest: read it back when resuming, or start a new one."""
    path = out_dir / MANIFEST
    digest = _file_digest(source)
    if path.exists():
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        mine = {k: manifest.get(k) for k in ("input_digest", *settings)}
        wanted = {"input_digest": digest, **settings}
        if mine != wanted:
            changed = sorted(k for k in wanted if mine.get(k) != wanted[k])
            raise BatchError(
                f"{out_dir} holds batch {manifest.get('batch_id')} of other inputs "
                f"or settings ({', '.join(changed)} differ); resume with the same "
                "file and settings, or write to a new folder"
            )
        return manifest
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "batch_id": "b-"
        + hashlib.sha256(f"{digest}|{settings}".encode()).hexdigest()[:16],
        "input_digest": digest,
        "rows": rows,
        **settings,
    }
    _write_atomic(path, (json.dumps(manifest, indent=2) + "\n").encode())
    return manifest


def _part_path(out_dir: Path, index: int) -> Path:
    return out_dir / f"part-{index:06d}.parquet"


def _chunks(source: Path, chunk_size: int) -> Iterator[tuple[int, int, pd.DataFrame]]:
    """(index, first row, frame) for each chunk of a Parquet or CSV file."""
    if source.suffix.lower() == ".parquet":
        reader = pq.ParquetFile(source)
        start = 0
        for index, table in enumerate(reader.iter_batches(batch_size=chunk_size)):
            yield index, start, table.to_pandas()
            start += table.num_rows
        return
    frame = pd.read_csv(source, dtype={"msisdn": "string", "subscription_id": "string"})
    for index, start in enumerate(range(0, len(frame), chunk_size)):
        yield index, start, frame.iloc[start : start + chunk_size]


def _row_count(source: Path) -> int:
    if source.suffix.lower() == ".parquet":
        return int(pq.ParquetFile(source).metadata.num_rows)
    if source.suffix.lower() == ".csv":
        with source.open("rb") as handle:
            return max(0, sum(1 for _ in handle) - 1)
    raise BatchError(
        f"{source}: expected a .parquet or .csv file; got {source.suffix or 'none'!r}"
    )


def _prepare(
    frame: pd.DataFrame, start: int, pseudonymizer: Pseudonymizer, source: Path
) -> pd.DataFrame:
    """Validate a chunk and swap its personal columns for the subject pseudonym."""
    frame = frame.reset_index(drop=True)
    known = [c for c in frame.columns if c not in ("default_12m", "oracle_logodds")]
    try:
        typed = validate_frame(frame[known], source=str(source))
    except (RecordError, ValueError) as exc:
        raise BatchError(f"rows {start + 1}-{start + len(frame)}: {exc}") from None
    activated = pd.to_datetime(typed["activated_on"]).dt.date.tolist()
    typed.insert(
        0,
        "subject",
        pseudonymizer.subjects(typed["msisdn"].tolist(), activated),
    )
    return typed.drop(columns=sorted(PERSONAL_COLUMNS))


# --- the main loop ---------------------------------------------------------------


def issue_file(
    source: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    scorecard: str | os.PathLike[str],
    key: SigningKey,
    pseudonymizer: Pseudonymizer,
    at: dt.datetime | None = None,
    store: Store | None = None,
    ruleset_path: str | os.PathLike[str] | None = None,
    chunk_size: int = 20_000,
    tree_size: int = 256,
    valid_days: int = DEFAULT_VALID_DAYS,
    engine: str = "processes",
    processes: int = 2,
    address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchReport:
    """Issue certificates for every subscriber of a file; resume if interrupted.

    Parameters
    ----------
    source : path-like
        A Parquet (streamed by chunks) or CSV file of subscriber records.
    out_dir : path-like
        Folder for ``manifest.json`` and one ``part-NNNNNN.parquet`` per chunk
        (together a Parquet dataset; see :func:`read_certificates`).
    scorecard : path-like
        The scorecard artifact (JSON).
    key : SigningKey
        Signs one Merkle root per ``tree_size`` certificates.
    pseudonymizer : Pseudonymizer
    at : datetime, optional
        Issue time of every certificate; now (to the second) for a new
        batch. A resumed batch keeps the time in its manifest.
    store : Store, optional
        Also save certificates, decision-log entries and the chunk ledger.
    engine : {"processes", "dask", "inline"}
        Where chunks run; ``address`` (a Dask scheduler) implies ``"dask"``.
    processes : int
        Worker processes (a local Dask cluster gets as many).
    progress : callable, optional
        Called with (rows done, rows in all) after each chunk.

    Raises
    ------
    BatchError
        If the folder holds a batch of another file or other settings, or a
        chunk breaks the data contract (rows named, personal values never).
    """
    source, out = Path(source), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    card_text = Path(scorecard).read_text(encoding="utf-8")
    moment = (at or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    rules_file = None if ruleset_path is None else str(ruleset_path)
    fixed: dict[str, Any] = {
        "chunk_size": chunk_size,
        "tree_size": tree_size,
        "valid_days": valid_days,
        "scorecard_sha256": hashlib.sha256(card_text.encode()).hexdigest(),
        "ruleset_path": rules_file,
        "key_id": key.kid,
    }
    rows = _row_count(source)
    manifest = _manifest(out, source, fixed, rows)
    manifest.setdefault("issued_at", None)
    if manifest["issued_at"] is None:
        manifest["issued_at"] = format_time(moment)
        _write_atomic(out / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    issued_at = parse_time(manifest["issued_at"])
    batch_id = manifest["batch_id"]
    settings = BatchSettings(
        card_text,
        rules_file,
        issued_at.date(),
        manifest["issued_at"],
        valid_days,
        with_log=store is not None,
    )
    chunks = -(-rows // chunk_size)
    done = _done_chunks(out, batch_id, store, manifest, chunks)
    report = BatchReport(batch_id, out, rows, chunks, len(done))
    logger.info(
        "batch %s: %d rows in %d chunks, %d already done",
        batch_id,
        rows,
        chunks,
        len(done),
    )
    job = _Job(
        settings,
        source,
        out,
        batch_id,
        store,
        key,
        pseudonymizer,
        tree_size,
        chunk_size,
        issued_at,
        report,
        progress,
    )
    runner = _runner("dask" if address else engine, processes, address)
    try:
        _run(runner, job, done)
    finally:
        runner.close()
    if store is not None:
        store.finish_batch(batch_id, issued_at)
    summary = {"batch_id": batch_id, "rows": rows, "statuses": report.statuses}
    _write_atomic(out / "summary.json", (json.dumps(summary, indent=2) + "\n").encode())
    logger.info("batch %s complete: %s", batch_id, report.statuses)
    return report


def _done_chunks(
    out: Path,
    batch_id: str,
    store: Store | None,
    manifest: dict[str, Any],
    chunks: int,
) -> set[int]:
    on_disk = {i for i in range(chunks) if _part_path(out, i).exists()}
    if store is None:
        return on_disk
    if store.batch(batch_id) is None:
        store.start_batch(
            {
                "id": batch_id,
                "input_digest": manifest["input_digest"],
                "issued_at": manifest["issued_at"],
                "chunk_size": manifest["chunk_size"],
                "chunks": chunks,
                "rows": manifest["rows"],
                "settings": json.dumps(manifest, sort_keys=True),
            }
        )
    return on_disk & set(store.done_chunks(batch_id))


class _Scratch:
    """One buffer for a chunk's joined certificate texts, reused chunk after chunk.

    About 80 MB a chunk: joined into new memory each time, the page faults of
    that memory cost more than the join itself, on the process that also
    competes with the workers for the cores. Writing into the buffer while
    something still uses the previous chunk's view of it raises BufferError.
    """

    def __init__(self) -> None:
        self._buffer = io.BytesIO()

    def join(self, pieces: Iterable[bytes]) -> memoryview:
        """The pieces joined, as a view of the buffer (until the next join)."""
        self._buffer.seek(0)
        self._buffer.writelines(pieces)
        return self._buffer.getbuffer()[: self._buffer.tell()]


@dataclass
class _Job:
    """Everything the main loop of one batch run needs."""

    settings: BatchSettings
    source: Path
    out: Path
    batch_id: str
    store: Store | None
    key: SigningKey
    pseudonymizer: Pseudonymizer
    tree_size: int
    chunk_size: int
    issued_at: dt.datetime
    report: BatchReport
    progress: Callable[[int, int], None] | None
    scratch: _Scratch = field(default_factory=_Scratch)


def _run(runner: _Runner, job: _Job, done: set[int]) -> None:
    """Submit pending chunks (a bounded number in flight), finish them in order."""
    pending: deque[Any] = deque()
    rows_done = 0

    def drain() -> None:
        nonlocal rows_done
        result: _ChunkResult = pending.popleft().result()
        _finish(job, result)
        rows_done += result.columns.num_rows
        if job.progress is not None:
            job.progress(rows_done, job.report.rows)

    for index, start, frame in _chunks(job.source, job.chunk_size):
        if index in done:
            rows_done += len(frame)
            continue
        prepared = _prepare(frame, start, job.pseudonymizer, job.source)
        task = (index, job.batch_id, start, prepared)
        pending.append(runner.submit(job.settings, task))
        if len(pending) >= 2 * runner.workers:
            drain()
    while pending:
        drain()


def _finish(job: _Job, result: _ChunkResult) -> None:
    """Sign a chunk, write its part file, then commit it to the database."""
    columns = result.columns
    digests = columns.column("content_digest").to_pylist()
    blocks: list[str] = []
    for start in range(0, len(digests), job.tree_size):
        part = digests[start : start + job.tree_size]
        blocks += signature_texts(part, job.key, job.issued_at)
    documents = _documents(result, blocks, job.scratch)
    stamp = format_time(job.issued_at)
    n = columns.num_rows
    table = pa.table(
        {
            **{name: columns.column(name) for name in _PART_SCHEMA.names[:5]},
            "issued_at": pa.array([stamp] * n, pa.string()),
            "expires_on": pa.array([result.expires_on] * n, pa.string()),
            "chunk": pa.array(np.full(n, result.index, np.int32)),
            "content_digest": columns.column("content_digest"),
            "certificate": documents,
        },
        schema=_PART_SCHEMA,
    )
    path = _part_path(job.out, result.index)
    handle, tmp = tempfile.mkstemp(dir=job.out, prefix=f".{path.name}.")
    os.close(handle)
    try:
        pq.write_table(table, tmp, compression="zstd", compression_level=1)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    if job.store is not None:
        _commit(job, result, table, path)
    for status in columns.column("status").to_pylist():
        job.report.statuses[status] = job.report.statuses.get(status, 0) + 1


def _documents(result: _ChunkResult, blocks: list[str], scratch: _Scratch) -> pa.Array:
    """Each certificate's text with its signature block spliced in, one column.

    The column's data is the ``scratch`` buffer, valid until the next chunk.
    """
    texts = [block.encode() for block in blocks]
    rows = zip(result.heads, texts, result.tails, strict=True)
    data = scratch.join(
        itertools.chain.from_iterable(
            (head, _SIGNATURE, text, b",", tail) for head, text, tail in rows
        )
    )
    if len(data) > np.iinfo(np.int32).max:
        raise BatchError(
            f"chunk {result.index}: {len(data)} bytes of certificates; expected "
            "under 2 GiB a chunk (use a smaller chunk size)"
        )
    sizes = _sizes(result.heads) + _sizes(texts) + _sizes(result.tails)
    offsets = np.zeros(len(texts) + 1, np.int32)
    np.cumsum(sizes + len(_SIGNATURE) + 1, out=offsets[1:])
    return pa.StringArray.from_buffers(
        len(texts), pa.py_buffer(offsets), pa.py_buffer(data)
    )


def _sizes(items: list[bytes]) -> np.ndarray:
    return np.fromiter(map(len, items), np.int64, len(items))


def _commit(job: _Job, result: _ChunkResult, table: pa.Table, path: Path) -> None:
    assert job.store is not None
    stamp = format_time(job.issued_at)
    expires = dt.date.fromisoformat(result.expires_on)
    values = table.select(
        ["id", "subject", "status", "score", "grade", "content_digest", "certificate"]
    ).to_pydict()
    bodies = result.columns.column("body").to_pylist()
    rows, entries = [], []
    for i, text in enumerate(values["certificate"]):
        cid, subject, status = (
            values["id"][i],
            values["subject"][i],
            values["status"][i],
        )
        rows.append(
            {
                "id": cid,
                "subject": subject,
                "status": status,
                "issued_status": status,
                "score": values["score"][i],
                "grade": values["grade"][i],
                "issued_at": stamp,
                "expires_on": expires,
                "evaluation_date": dt.date.fromisoformat(
                    text.split('"evaluation_date":"', 1)[1][:10]
                ),
                "batch_id": job.batch_id,
                "chunk_index": result.index,
                "key_id": job.key.kid,
                "content_digest": values["content_digest"][i],
                "superseded_by": None,
                "status_changed_at": stamp,
                "document": text,
            }
        )
        entries.append(LogEntry(stamp, status, cid, subject, bodies[i]))
    ledger = {
        "batch_id": job.batch_id,
        "chunk_index": result.index,
        "rows": len(rows),
        "root": hashlib.sha256("".join(values["content_digest"]).encode()).hexdigest(),
        "part_file": path.name,
        "completed_at": stamp,
    }
    job.store.commit_chunk(ledger, rows, entries)


def read_certificates(out_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Every certificate a batch wrote, in row order (one row per certificate)."""
    parts = sorted(Path(out_dir).glob("part-*.parquet"))
    if not parts:
        raise BatchError(f"{out_dir}: no part files; has the batch run?")
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
