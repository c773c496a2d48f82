"""Batch issuing: same bytes as one by one, on every engine, and after a crash."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from credcert._errors import BatchError
from credcert.batch import issue_file, read_certificates
from credcert.issue import Issuer, certificate_id
from credcert.pseudonym import Pseudonymizer
from credcert.signing import KeyRing, unsigned, verify_document
from credcert.store import Store
from subscribers import write_subscribers
from tests.certificates.fixtures import SCORECARD, T0

ROWS = 1500
CHUNK = 400


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory, subscribers_frame) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("batch") / "subscribers.parquet"
    return write_subscribers(subscribers_frame.iloc[:ROWS], path)


def _issue(source: Path, out: Path, keyring: KeyRing, p: Pseudonymizer, **kw: Any):  # type: ignore[no-untyped-def]
    options = {"engine": "inline", "chunk_size": CHUNK, "tree_size": 64, **kw}
    return issue_file(
        source,
        out,
        scorecard=SCORECARD,
        key=keyring.active(),
        pseudonymizer=p,
        at=T0,
        **options,
    )


def test_every_row_gets_one_certificate(
    source: Path, tmp_path: Path, keyring: KeyRing, pseudonymizer: Pseudonymizer
) -> None:
    _issue(source, tmp_path / "out", keyring, pseudonymizer)
    ids = read_certificates(tmp_path / "out")["id"]
    assert (len(ids), ids.is_unique) == (ROWS, True)


def test_batch_certificates_verify_on_their_own(
    source: Path, tmp_path: Path, keyring: KeyRing, pseudonymizer: Pseudonymizer
) -> None:
    _issue(source, tmp_path / "out", keyring, pseudonymizer)
    texts = read_certificates(tmp_path / "out")["certificate"].iloc[::37]
    public = keyring.public()
    assert all(verify_document(json.loads(t), public).tree_size <= 64 for t in texts)


def test_batch_content_equals_issuing_one_by_one(
    source: Path,
    tmp_path: Path,
    keyring: KeyRing,
    pseudonymizer: Pseudonymizer,
    issuer: Issuer,
    records: list[Any],
) -> None:
    report = _issue(source, tmp_path / "out", keyring, pseudonymizer)
    texts = read_certificates(tmp_path / "out")["certificate"]
    for row in range(0, ROWS, 7):
        cid = certificate_id(report.batch_id, row)
        one = issuer.issue(records[row], at=T0, certificate_id=cid).document
        assert unsigned(json.loads(texts[row])) == unsigned(one), row


def test_status_counts_are_reported(
    source: Path, tmp_path: Path, keyring: KeyRing, pseudonymizer: Pseudonymizer
) -> None:
    report = _issue(source, tmp_path / "out", keyring, pseudonymizer)
    frame = read_certificates(tmp_path / "out")
    assert report.statuses == frame["status"].value_counts().to_dict()


def test_process_pool_gives_identical_output(
    source: Path, tmp_path: Path, keyring: KeyRing, pseudonymizer: Pseudonymizer
) -> None:
    _issue(source, tmp_path / "a", keyring, pseudonymizer)
    _issue(source, tmp_path / "b", keyring, pseudonymizer, engine="processes")
    assert read_certificates(tmp_path / "a").equals(read_certificates(tmp_path / "b"))


def test_dask_local_cluster_gives_identical_output(
    source: Path, tmp_path: Path, keyring: KeyRing, pseudonymizer: Pseudonymizer
) -> None:
    _issue(source, tmp_path / "a", keyring, pseudonymizer)
    _issue(source, tmp_path / "b", keyring, pseudonymizer, engine="dask")
    assert read_certificates(tmp_path / "a").equals(read_certificates(tmp_path / "b"))


def test_dask_scheduler_address_gives_identical_output(
    source: Path, tmp_path: Path, keyring: KeyRing, pseudonymizer: Pseudonymizer
) -> None:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        _issue(
            source,
            tmp_path / "b",
            keyring,
            pseudonymizer,
            engine="processes",
            address=cluster.scheduler_address,
        )
        ran_there = "credcert-chunk" in cluster.scheduler.task_prefixes
    _issue(source, tmp_path / "a", keyring, pseudonymizer)
    assert ran_there
    assert read_certificates(tmp_path / "a").equals(read_certificates(tmp_path / "b"))


def test_interrupted_batch_resumes_without_redoing_chunks(
    source: Path, tmp_path: Path, keyring: KeyRing, pseudonymizer: Pseudonymizer
) -> None:
    def crash(done: int, total: int) -> None:
        if done >= 2 * CHUNK:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt, match=r"^$"):
        _issue(source, tmp_path / "out", keyring, pseudonymizer, progress=crash)
    report = _issue(source, tmp_path / "out", keyring, pseudonymizer)
    assert report.chunks_done_before == 2


def test_resumed_batch_equals_an_uninterrupted_one(
    source: Path, tmp_path: Path, keyring: KeyRing, pseudonymizer: Pseudonymizer
) -> None:
    def crash(done: int, total: int) -> None:
        if done >= CHUNK:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt, match=r"^$"):
        _issue(source, tmp_path / "out", keyring, pseudonymizer, progress=crash)
    _issue(source, tmp_path / "out", keyring, pseudonymizer)
    _issue(source, tmp_path / "clean", keyring, pseudonymizer)
    assert read_certificates(tmp_path / "out").equals(
        read_certificates(tmp_path / "clean")
    )


def test_other_input_in_the_same_folder_is_refused(
    source: Path,
    tmp_path: Path,
    keyring: KeyRing,
    pseudonymizer: Pseudonymizer,
    subscribers_frame: pd.DataFrame,
) -> None:
    _issue(source, tmp_path / "out", keyring, pseudonymizer)
    other = write_subscribers(subscribers_frame.iloc[:50], tmp_path / "other.parquet")
    with pytest.raises(BatchError, match="input_digest"):
        _issue(other, tmp_path / "out", keyring, pseudonymizer)


def test_bad_rows_are_named_without_their_values(
    tmp_path: Path,
    keyring: KeyRing,
    pseudonymizer: Pseudonymizer,
    subscribers_frame: pd.DataFrame,
) -> None:
    frame = subscribers_frame.iloc[:20].copy()
    frame["msisdn"] = frame["msisdn"].astype("string")
    frame.loc[3, "msisdn"] = "99999"
    bad = write_subscribers(frame, tmp_path / "bad.parquet")
    with pytest.raises(BatchError, match="row 4, field 'msisdn'") as info:
        _issue(bad, tmp_path / "out", keyring, pseudonymizer)
    assert "99999" not in str(info.value)


def test_batch_writes_certificates_and_log_to_the_database(
    source: Path,
    tmp_path: Path,
    keyring: KeyRing,
    pseudonymizer: Pseudonymizer,
    store: Store,
) -> None:
    _issue(source, tmp_path / "out", keyring, pseudonymizer, store=store)
    assert store.certificate_count() == ROWS
    assert store.verify_log(keyring.public()) == []


_CRASHING = """
import sys, time
from credcert.batch import issue_file
from credcert.pseudonym import Pseudonymizer
from credcert.signing import KeyRing
from credcert.store import Store
from tests.certificates.fixtures import SCORECARD, T0

source, out, keys, url, schema = sys.argv[1:6]
store = Store(url, schema=None if schema == "-" else schema)
issue_file(source, out, scorecard=SCORECARD, key=KeyRing.open(keys).active(),
           pseudonymizer=Pseudonymizer(b"test-pseudonym-key-0123456789abcdef"),
           at=T0, store=store, chunk_size=150, tree_size=64, engine="inline",
           progress=lambda done, total: time.sleep(0.2))
"""


def test_kill_9_and_restart_loses_and_duplicates_nothing(
    source: Path,
    tmp_path: Path,
    keyring: KeyRing,
    pseudonymizer: Pseudonymizer,
    store: Store,
    database: dict,
) -> None:
    out = tmp_path / "out"
    args = [str(source), str(out), str(keyring.folder), database["url"]]
    args.append(database["schema"] or "-")
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_CRASHING), *args],
        cwd=Path(__file__).parents[2],
    )
    deadline = time.monotonic() + 120
    while len(list(out.glob("part-*.parquet"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert len(list(out.glob("part-*.parquet"))) < ROWS // 150
    _issue(source, out, keyring, pseudonymizer, store=store, chunk_size=150)
    clean = _issue(source, tmp_path / "clean", keyring, pseudonymizer, chunk_size=150)
    frame = read_certificates(out)
    assert frame.equals(read_certificates(tmp_path / "clean"))
    assert store.certificate_count(clean.batch_id) == ROWS
    assert store.verify_log(keyring.public()) == []
