"""The front's commit of a prepared write (coopgraph/web/front.py, `Pool.commit`), without processes: the order of
its effects. Over real HTTP, tests/test_service_writes.py and tests/test_service_saved_index.py."""

from __future__ import annotations

import asyncio
import json
import socket

import pyoxigraph as ox

from coopgraph.core.writes.delta import Delta
from coopgraph.core.writes.journal import Journal
from coopgraph.web.front import Pool, Reply
from coopgraph.web.headers import COMMIT_HEADER

SETTINGS = {"workers": 1, "long_workers": 1, "query_timeout_s": 5, "query_memory_mb": 512}
QUAD = ox.Quad(
    ox.NamedNode("https://w3id.org/coopgraph/id/instrumento/ec-l-2026-900"),
    ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
    ox.Literal("Convenio de prueba", language="es"),
    ox.NamedNode("https://w3id.org/coopgraph/graph/register"),
)


def prepared(quad: ox.Quad, base: int) -> Reply:
    """A worker's prepared write of `quad` on version `base` (as coopgraph/web/writes.py `_forward` sends it)."""
    added, removed = Delta(added={quad}).to_nquads()
    body = {"base": base, "added": added, "removed": removed, "subjects": [quad.subject.value], "status": 201}
    body["body"] = {"written": True}
    return Reply(200, [(COMMIT_HEADER, "1")], json.dumps(body).encode())


def test_the_answer_is_ready_before_the_holder_is_told_and_the_holder_gets_each_write_in_order() -> None:
    """`commit` returns the client's answer (the write durable and counted) before it sends the change to the data
    holder; the holder is told on the loop's next turn, after the caller has written the answer, one message
    per write in commit order."""
    store = ox.Store()
    pool = Pool(SETTINGS)
    pool.journal = Journal(store, None)
    ours, holder = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)  # as `Pool.start` makes it
    holder.setblocking(False)
    pool._control = ours
    second = ox.Quad(QUAD.subject, QUAD.predicate, ox.Literal("Test agreement", language="en"), QUAD.graph_name)

    async def scenario() -> list[bytes]:
        reply = await pool.commit(prepared(QUAD, 0), "es")
        assert reply.status == 201 and json.loads(reply.body) == {"written": True}
        assert QUAD in store and pool.version == 1
        try:
            early = holder.recv(4096)
        except BlockingIOError:
            early = b""
        assert early == b"", "the holder was told before the answer could be sent"
        assert (await pool.commit(prepared(second, 1), "es")).status == 201
        await asyncio.sleep(0)
        messages = []
        for _ in range(2):
            message, fds, _flags, _address = socket.recv_fds(holder, 4096, 1)
            for fd in fds:
                with open(fd, "rb") as change:
                    assert json.loads(change.read())["added"]
            messages.append(message)
        return messages

    try:
        assert asyncio.run(scenario()) == [b"apply 1", b"apply 2"]
    finally:
        ours.close()
        holder.close()
        pool._index_writer.shutdown()
