"""`coopgraph serve` saves its partner-matching index in the data folder and loads it at the next start.

Over real HTTP (tests/served.py): a restart on the same folder answers
matching exactly as the first start did, from the saved index (the holder
says whence its index came; the file is not written again); after a write
the saved index is replaced by one that has it; a file of another state of
the store, a damaged one, one written by other code or garbage is never
used: the index is built again and the answers are those of a fresh build.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner
from served import Served, children, holds_index_memory_file, serving, wait_until
from test_service_writes import AGENCY_TTL, NEW_AGENCY, PARTNERS, bearer, data_path, send

from coopgraph.cli.main import cli
from coopgraph.core.matching.saved import INDEX_FILE, SNAPSHOT_FILE
from coopgraph.core.writes.journal import LOG_FILE
from coopgraph.core.writes.tokens import TokenBook

pytestmark = pytest.mark.slow
LOADED = "partner-matching index: loaded from the data folder"
BUILT = "partner-matching index: built from the store"
ASKED = (
    "/api/match?need=riego&limit=10",
    "/api/match?" + urllib.parse.urlencode({"need": "agua potable y saneamiento", "requester": "EC-L", "limit": 10}),
    "/api/match?" + urllib.parse.urlencode({"need": "hermanamiento con ciudades", "lang": "en", "group": "true"}),
    "/api/match/options",
    "/sparql?" + urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"}),
    "/sparql?"
    + urllib.parse.urlencode({"query": "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s a ?c } } GROUP BY ?g ORDER BY ?g"}),
)
SNAPSHOT = "store: read from the saved snapshot"
REPLAYED = "store: the saved snapshot, and the 1 write(s) made since it"
LACKING = "the journal lacks writes made since the saved snapshot: copying the store instead"


def _answers(base: str, *extra: str) -> dict[str, object]:
    found = {}
    for path in (*ASKED, *extra):
        answer = send(base, "GET", path)
        assert answer.status == 200, (path, answer.body[:300])
        found[path] = answer.json()
    return found


def _description(base: str) -> bytes:
    answer = send(base, "GET", "/sparql", Accept="application/n-triples")
    assert answer.status == 200, answer.body[:300]
    return answer.body.replace(base.encode(), b"BASE")


def _similar(iri: str) -> str:
    return "/api/partners/" + urllib.parse.quote(iri, safe="") + "/similar"


def _saved(folder: Path, other_than: os.stat_result | None = None) -> os.stat_result:
    """The saved index file's stat, once there is one (other than `other_than`: a new file replaced it)."""
    path = folder / INDEX_FILE

    def written() -> bool:
        if not path.exists():
            return False
        now = path.stat()
        return other_than is None or (now.st_ino, now.st_mtime_ns) != (other_than.st_ino, other_than.st_mtime_ns)

    assert wait_until(written, 120), f"no saved index in {folder}"
    return path.stat()


def _write_agency(base: str, secret: str) -> str:
    """Add the new agency of tests/test_service_writes.py to the partners' graph, with the token `secret`; the
    write's id."""
    written = send(base, "POST", data_path(PARTNERS), AGENCY_TTL, Content_Type="text/turtle", **bearer(secret))
    assert written.status in (200, 201), written.body
    return str(written.json()["write"])


def _served_write(folder: Path, *, kill: bool) -> tuple[str, Served]:
    """Serve `folder` (its saved index loaded), add the new agency, then stop (SIGTERM) or `kill -9` the front
    right after the answer, within the pause the holder waits for before it saves; the write's id, the run."""
    secret = TokenBook(folder).add("writer", "all")
    with serving("--data-dir", str(folder), "--workers", "2") as running:
        assert _whence(running) == LOADED
        write_id = _write_agency(running.base, secret)
        if kill:
            os.kill(running.process.pid, signal.SIGKILL)
            running.process.wait(timeout=30)
    return write_id, running


def _whence(running: Served) -> str:
    assert wait_until(lambda: LOADED in running.stderr() or BUILT in running.stderr(), 30), running.stderr()
    return LOADED if LOADED in running.stderr() else BUILT


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object], os.stat_result]:
    """A data folder served once (its index built, then saved), the answers then (the service description among
    them), the saved file's stat."""
    folder = tmp_path_factory.mktemp("saved") / "store"
    with serving("--data-dir", str(folder), "--workers", "2") as running:
        assert _whence(running) == BUILT
        assert SNAPSHOT not in running.stderr()
        answers = {**_answers(running.base), "description": _description(running.base)}
        stat = _saved(folder)
    return folder, answers, stat


def test_a_restart_answers_matching_identically_from_the_saved_index(first: tuple[Path, dict, os.stat_result]) -> None:
    folder, answers, stat = first
    assert stat.st_mode & 0o777 == 0o600
    with serving("--data-dir", str(folder), "--workers", "2") as running:
        assert _whence(running) == LOADED
        assert SNAPSHOT in running.stderr()  # the store's content too came from the folder, not from the store
        assert {**_answers(running.base), "description": _description(running.base)} == answers
        after = (folder / INDEX_FILE).stat()
    assert (after.st_ino, after.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns), "the loaded index was saved again"


def _copy(folder: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(folder, copy)
    return copy


def test_a_write_is_in_the_index_saved_after_it(first: tuple[Path, dict, os.stat_result], tmp_path: Path) -> None:
    folder = _copy(first[0], tmp_path)
    secret = TokenBook(folder).add("saved-index", "all")
    with serving("--data-dir", str(folder), "--workers", "2") as running:
        assert _whence(running) == LOADED
        before = (folder / INDEX_FILE).stat()
        _write_agency(running.base, secret)
        _saved(folder, other_than=before)
        answers = _answers(running.base, _similar(NEW_AGENCY))
    with serving("--data-dir", str(folder), "--workers", "2") as running:
        assert _whence(running) == LOADED
        assert _answers(running.base, _similar(NEW_AGENCY)) == answers
    (folder / INDEX_FILE).unlink()
    with serving("--data-dir", str(folder), "--workers", "2") as running:
        assert _whence(running) == BUILT
        assert _answers(running.base, _similar(NEW_AGENCY)) == answers


def test_a_stop_right_after_a_write_saves_it_for_the_next_start(
    first: tuple[Path, dict, os.stat_result], tmp_path: Path
) -> None:
    """The holder saves once writes pause; a stop sooner than that saves at once, so the next start loads the
    index and the snapshot, with the write, rather than building the index (~30 s at 100k actors)."""
    folder = _copy(first[0], tmp_path)
    before = (folder / INDEX_FILE).stat()
    _, running = _served_write(folder, kill=False)
    after = (folder / INDEX_FILE).stat()
    assert (after.st_ino, after.st_mtime_ns) != (before.st_ino, before.st_mtime_ns), "nothing was saved at the stop"
    assert "ended while idle" not in running.stderr(), "the workers stopped with the service were taken for losses"
    with serving("--data-dir", str(folder), "--workers", "2") as running:
        assert _whence(running) == LOADED
        assert SNAPSHOT in running.stderr()
        assert send(running.base, "GET", _similar(NEW_AGENCY)).status == 200


def test_a_start_after_a_kill_applies_the_writes_since_the_last_save(
    first: tuple[Path, dict, os.stat_result], tmp_path: Path
) -> None:
    """`kill -9` right after a write, before the holder saved it: the next start reads the saved snapshot and
    index, and applies the write from the journal's log, rather than copying the store and building the index
    (~30 s at 100k actors); it answers as a start that built the index from the store does."""
    folder = _copy(first[0], tmp_path)
    before = (folder / INDEX_FILE).stat()
    _served_write(folder, kill=True)
    after = (folder / INDEX_FILE).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), "the write was saved"
    assert len((folder / LOG_FILE).read_bytes().splitlines()) == 1, "the journal's log does not hold the write"
    with serving("--data-dir", str(folder), "--workers", "2") as running:
        assert _whence(running) == LOADED
        assert SNAPSHOT in running.stderr() and REPLAYED in running.stderr()
        replayed = {**_answers(running.base, _similar(NEW_AGENCY)), "description": _description(running.base)}
        _saved(folder, other_than=before)  # the snapshot with the write, saved once writes paused
        assert wait_until(lambda: (folder / LOG_FILE).stat().st_size == 0, 30), "the log kept a saved write"
    for name in (INDEX_FILE, SNAPSHOT_FILE):
        (folder / name).unlink()
    with serving("--data-dir", str(folder), "--workers", "2") as running:
        assert _whence(running) == BUILT
        built = {**_answers(running.base, _similar(NEW_AGENCY)), "description": _description(running.base)}
    assert replayed == built


def test_a_start_after_a_kill_and_a_write_by_a_command_copies_the_store(
    first: tuple[Path, dict, os.stat_result], tmp_path: Path
) -> None:
    """A write made by a `coopgraph` command on the data folder between the kill and the next start (here
    `revert`) is in the store but not in the kept log (that command's journal empties it): the saved snapshot
    cannot be brought up to date, so the store is copied and the index built, with both writes."""
    folder = _copy(first[0], tmp_path)
    write_id, _ = _served_write(folder, kill=True)
    reverted = CliRunner().invoke(cli, ["--data-dir", str(folder), "revert", write_id, "--as", "ana"])
    assert reverted.exit_code == 0, reverted.output
    with serving("--data-dir", str(folder), "--workers", "2") as running:
        assert _whence(running) == BUILT
        assert LACKING in running.stderr() and SNAPSHOT not in running.stderr()
        assert send(running.base, "GET", _similar(NEW_AGENCY)).status == 404  # added, then reverted


def _stale(folder: Path, tmp_path: Path) -> None:
    """Put back the index saved before a write (the journal's version has moved on since)."""
    kept = tmp_path / "kept.pickle"
    shutil.copy(folder / INDEX_FILE, kept)
    secret = TokenBook(folder).add("stale", "all")
    with serving("--data-dir", str(folder), "--workers", "1") as running:
        _write_agency(running.base, secret)
    shutil.copy(kept, folder / INDEX_FILE)


def _damaged(folder: Path, _tmp_path: Path) -> None:
    path = folder / INDEX_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _foreign(folder: Path, _tmp_path: Path) -> None:
    """The same index, its header claiming other code built it."""
    path = folder / INDEX_FILE
    header, _, payload = path.read_bytes().partition(b"\n")
    fields = json.loads(header)
    fields["code"] = "0" * 64
    path.write_bytes(json.dumps(fields).encode() + b"\n" + payload)


def _garbage(folder: Path, _tmp_path: Path) -> None:
    (folder / INDEX_FILE).write_bytes(b"\x80\x05not an index at all")


@pytest.mark.parametrize("spoil", [_stale, _damaged, _foreign, _garbage], ids=lambda spoil: spoil.__name__[1:])
def test_a_saved_index_that_does_not_fit_is_built_again(
    first: tuple[Path, dict, os.stat_result], tmp_path: Path, spoil: object
) -> None:
    folder = _copy(first[0], tmp_path)
    assert callable(spoil)
    spoil(folder, tmp_path)
    spoiled = (folder / INDEX_FILE).stat()
    with serving("--data-dir", str(folder), "--workers", "2") as running:
        assert _whence(running) == BUILT
        answers = _answers(running.base, _similar(NEW_AGENCY)) if spoil is _stale else _answers(running.base)
        _saved(folder, other_than=spoiled)
    if spoil is not _stale:
        assert {**answers, "description": first[1]["description"]} == first[1]
    with serving("--data-dir", str(folder), "--workers", "2") as running:  # the index built was saved in its place
        assert _whence(running) == LOADED
        assert (_answers(running.base, _similar(NEW_AGENCY)) if spoil is _stale else _answers(running.base)) == answers


def test_no_worker_keeps_the_memory_file_of_a_save(tmp_path: Path) -> None:
    """Workers forked while the holder's child saves the index (at start, here) do not hold its memory file: it
    would keep the index's size of memory for the worker's whole life."""
    folder = tmp_path / "store"
    with serving("--data-dir", str(folder), "--workers", "4") as running:
        assert _whence(running) == BUILT
        _saved(folder)  # installed by the front once the holder's child has ended and the holder let go of the file
        processes = {running.holder(), *children(running.holder())}
        assert len(processes) == 5
        assert not [pid for pid in processes if holds_index_memory_file(pid)]


def test_a_damaged_snapshot_is_not_read(first: tuple[Path, dict, os.stat_result], tmp_path: Path) -> None:
    """A snapshot whose bytes are not those its header names: the store is copied as before, the answers the same."""
    folder = _copy(first[0], tmp_path)
    path = folder / SNAPSHOT_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with serving("--data-dir", str(folder), "--workers", "2") as running:
        assert _whence(running) == LOADED  # the index file is whole: only the snapshot is refused
        assert SNAPSHOT not in running.stderr()
        assert {**_answers(running.base), "description": _description(running.base)} == first[1]
