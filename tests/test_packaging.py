"""A non-editable install ships the data folders and works from any directory.

Builds the wheel, installs it (without dependencies) into a fresh venv that
borrows this environment's dependencies through a .pth line, and runs the
installed `coopgraph` from an unrelated folder. Slow (builds a wheel), but part
of the default run: `pytest -m packaging` runs it alone.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from coopgraph.core.loading import shipped_sources
from coopgraph.core.store import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.packaging, pytest.mark.slow]


def sh(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding only the built wheel; returns its bin/ folder."""
    work = tmp_path_factory.mktemp("packaging")
    sh(sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "-w", work / "wheels", cwd=work)
    (wheel,) = (work / "wheels").glob("coopgraph-*.whl")
    venv = work / "venv"
    sh(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    site = Path(
        sh(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=work).strip()
    )
    # Borrow the dependencies: a plain path line (not a site dir, so no editable .pth of ours is processed).
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_borrowed_deps.pth").write_text("".join(f"{p}\n" for p in sorted(borrowed)), encoding="utf-8")
    sh(
        sys.executable,
        "-m",
        "pip",
        "--python",
        venv / "bin" / "python",
        "install",
        "--no-deps",
        "--no-index",
        wheel,
        cwd=work,
    )
    return venv / "bin"


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["COOPGRAPH_DATA_DIR"] = str(tmp_path / "store")
    return env


def test_only_coopgraph_lands_in_site_packages(installed: Path, tmp_path: Path) -> None:
    site = Path(
        sh(
            installed / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path
        ).strip()
    )
    top = sorted(p.name for p in site.iterdir() if p.name != "_borrowed_deps.pth")
    assert [name for name in top if not name.startswith("coopgraph-")] == ["coopgraph"], top
    assert (installed / "coopgraph").is_file()


def test_the_installed_package_is_the_wheel(installed: Path, tmp_path: Path) -> None:
    names = ("ontology", "shapes", "queries", "graph", "service")
    code = (
        "import coopgraph, coopgraph.cli.main; from coopgraph.core.resources import resource_dir as r; "
        f"print(coopgraph.__file__); print(*(r(n) for n in {names!r}), sep='\\n')"
    )
    lines = sh(installed / "python", "-c", code, cwd=tmp_path, env=clean_env(tmp_path)).splitlines()
    venv = installed.parent
    assert all(Path(line).is_relative_to(venv) for line in lines), lines
    for name, line in zip(names, lines[1:], strict=True):
        source = ROOT / name
        expected = sorted(
            p.relative_to(source).as_posix()
            for p in source.rglob("*")
            if p.is_file() and not {"__pycache__", "node_modules"} & set(p.parts)
        )
        shipped = (
            sorted(
                p.relative_to(line).as_posix()
                for p in Path(line).rglob("*")
                if p.is_file() and "__pycache__" not in p.parts
            )
            if Path(line).is_dir()
            else []
        )
        assert shipped == expected, name


def test_installed_coopgraph_loads_the_shipped_graphs(installed: Path, tmp_path: Path) -> None:
    out = sh(installed / "coopgraph", "stats", "--memory", cwd=tmp_path, env=clean_env(tmp_path))
    printed = {m[1]: int(m[2]) for m in re.finditer(r"<(https://w3id\.org/coopgraph/graph/\w+)>\s+(\d+)", out)}
    with OxigraphStore.in_memory() as reference:
        expected = reference.replace_graphs(shipped_sources())
    for graph, count in expected.items():
        if count:
            assert printed.get(graph) == count, (graph, out)
    assert "instances per class" in out
