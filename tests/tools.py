"""Outside tools some tests need (Chromium, dot, Java, the oxigraph server): skip with the reason locally, fail under CI=true.

A CI run whose tools failed to install must not go green while checking
nothing, so under `CI=true` a missing tool fails each test that needs it.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import NoReturn

import pytest

DOT_MISSING = "Graphviz dot is not installed (.ci/run installs it: apt-get install graphviz)"
CHROMIUM_MISSING = "Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)"
OXIGRAPH_MISSING = "the oxigraph server is not installed (pip install '.[test]' gives `oxigraph serve`)"
JAVA_MISSING = "Java is not installed (.ci/run installs it: apt-get install default-jre-headless); HermiT needs it"


def in_ci() -> bool:
    """Whether this run is CI's (`CI=true`, as .ci/run and most CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(reason: str) -> NoReturn:
    """Skip the test with `reason`; under CI, fail it instead."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a test that cannot run fails)")
    pytest.skip(reason)


def dot_program() -> str:
    """The path of Graphviz's `dot`, or skip/fail."""
    return shutil.which("dot") or missing(DOT_MISSING)


def chromium_program() -> str:
    """The path of Chromium (`$COOPGRAPH_CHROMIUM`, else `chromium` on PATH), or skip/fail."""
    return (
        os.environ.get("COOPGRAPH_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
        or missing(CHROMIUM_MISSING)
    )


def java_program() -> str:
    """The path of `java` (for HermiT, the OWL reasoner of tests/test_reasoner.py), or skip/fail."""
    return shutil.which("java") or missing(JAVA_MISSING)


def oxigraph_program() -> str:
    """The `oxigraph` server CLI (beside this Python, as a venv installs it, else on PATH), or skip/fail."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph") or missing(OXIGRAPH_MISSING)
