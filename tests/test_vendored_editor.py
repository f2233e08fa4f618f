"""The query page's editor is vendored from npm (no CDN): the bundle is in the repository with the licences of
everything in it and the recipe to make it again, and the page loads it from this service."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask.testing import FlaskClient

VENDOR = Path(__file__).resolve().parents[1] / "service" / "static" / "vendor" / "codemirror"


def _bundled() -> dict[str, str]:
    """name -> version of every package the lock puts into the bundle (not the build tool)."""
    lock = json.loads((VENDOR / "package-lock.json").read_text(encoding="utf-8"))
    return {
        path.rsplit("node_modules/", 1)[1]: info["version"]
        for path, info in lock["packages"].items()
        if path.startswith("node_modules/") and "esbuild" not in path
    }


def test_the_bundle_the_recipe_and_the_licences_are_there() -> None:
    for name in ("codemirror.min.js", "LICENSES.txt", "package.json", "package-lock.json", "entry.js", "build.mjs"):
        assert (VENDOR / name).is_file(), name
    recipe = json.loads((VENDOR / "package.json").read_text(encoding="utf-8"))
    assert recipe["scripts"]["build"].startswith("node build.mjs")
    licences = (VENDOR / "LICENSES.txt").read_text(encoding="utf-8")
    bundled = _bundled()
    assert {"@codemirror/view", "@codemirror/legacy-modes", "@codemirror/autocomplete", "style-mod"} <= set(bundled)
    for name, version in bundled.items():
        assert re.search(rf"^{re.escape(name)} {re.escape(version)} \(MIT\)$", licences, re.MULTILINE), name
    assert "Permission is hereby granted" in licences


def test_the_bundle_reaches_for_nothing_outside() -> None:
    source = (VENDOR / "codemirror.min.js").read_text(encoding="utf-8")
    assert "CoopgraphEditor" in source
    for host in ("cdn", "unpkg", "jsdelivr", "googleapis", "prefix.cc"):
        assert host not in source.lower(), host
    assert "root.head&&" not in source.replace(" ", "")  # the style-mod patch (build.mjs) is in the bundle


def test_the_page_loads_the_bundle_from_this_service(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<script src="/static/vendor/codemirror/codemirror.min.js"></script>' in html
    with client.get("/static/vendor/codemirror/codemirror.min.js") as response:
        assert response.status_code == 200 and response.mimetype == "text/javascript"
        assert response.data == (VENDOR / "codemirror.min.js").read_bytes()
