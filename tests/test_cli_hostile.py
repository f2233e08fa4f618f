"""`coopgraph load` and `coopgraph validate` on hostile files: the same clear refusal from both (exit 2, the file
and position, no traceback), never a hang, a crash or a connection (the real command, in a subprocess)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from served import MAIN, ROOT

pytestmark = pytest.mark.slow

BOMB = (
    '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
    '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="http://a">'
    "<rdf:value>&h;</rdf:value></rdf:Description></rdf:RDF>"
)
DEEP = 50_000


def _files(canary_url: str) -> dict[str, tuple[str, Callable[[Path], None], str]]:
    """name -> (file name, writer, what the refusal says)."""
    return {
        "literal over 16 MiB": (
            "big.ttl",
            lambda p: p.write_text('<http://a> <http://p> "' + "x" * (17 << 20) + '" .\n'),
            "too large to read",
        ),
        "deep JSON-LD": (
            "deep.jsonld",
            lambda p: p.write_text('{"@id":"http://a","http://p":' + '{"http://p":' * DEEP + '"x"' + "}" * DEEP + "}"),
            "nests deeper",
        ),
        "remote JSON-LD context": (
            "remote.jsonld",
            lambda p: p.write_text(f'{{"@context":"{canary_url}ctx","@id":"http://a","name":"x"}}'),
            "remote contexts",
        ),
        "UTF-16 RDF/XML without a byte order mark, with a DOCTYPE": (
            "utf16.rdf",
            lambda p: p.write_bytes(('<?xml version="1.0" encoding="UTF-16"?>' + BOMB).encode("utf-16-le")),
            "DOCTYPE or ENTITY",
        ),
        "TriX": ("bomb.trix", lambda p: p.write_text(BOMB), "cannot tell the RDF format"),
        "deep RDF/XML": (
            "deep.rdf",
            lambda p: p.write_text(
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">'
                '<rdf:Description rdf:about="http://a">'
                + "<e:p><rdf:Description>" * DEEP
                + "</rdf:Description></e:p>" * DEEP
                + "</rdf:Description></rdf:RDF>"
            ),
            "nests deeper",
        ),
        "a named graph in TriG (load refuses it: so must validate)": (
            "graphs.trig",
            lambda p: p.write_text("<http://g> { <http://a> <http://p> <http://o> }\n"),
            "Named graphs are not allowed",
        ),
    }


class Canary:
    """Counts connections to a loopback port."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


@pytest.mark.parametrize("command", ["load", "validate"])
def test_hostile_files_are_refused_alike(tmp_path: Path, command: str) -> None:
    canary = Canary()
    try:
        for name, (file_name, write, says) in _files(canary.url).items():
            path = tmp_path / file_name
            write(path)
            # The timeout only bounds a hang (the entity bomb stalled validate for good); nothing asserts time.
            done = subprocess.run(
                [sys.executable, "-c", MAIN, command, "--memory", str(path)],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
                cwd=ROOT,
            )
            assert done.returncode == 2, (name, done.returncode, done.stderr[-500:])
            assert "Traceback" not in done.stderr and says in done.stderr and file_name in done.stderr, (
                name,
                done.stderr,
            )
    finally:
        canary.close()
    assert canary.connections == 0
