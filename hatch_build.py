"""Wheel build step: parse the shipped YAML documents once, so runs need no YAML parser.

Runs ``actkit.precompile`` from this source tree and ships its folder as
``actkit/_precompiled_yaml``. It runs with only the build requirements installed
(hatchling, PyYAML), so the modules it imports must not import other libraries at the top.
An editable install skips it: actkit then parses the files at run time, with the same
results.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

TARGET = "actkit/_precompiled_yaml"


class PrecompileYaml(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        self._folder = Path(tempfile.mkdtemp(prefix="actkit-precompiled-"))
        root = Path(self.root)
        # A separate interpreter with src/ first, so the build's own imports stay as they
        # are; the rest of PYTHONPATH is kept (build isolation may rely on it).
        path = os.pathsep.join(filter(None, [str(root / "src"), os.environ.get("PYTHONPATH")]))
        completed = subprocess.run(
            [sys.executable, "-m", "actkit.precompile", str(self._folder / "out")],
            cwd=root,
            env={**os.environ, "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1"},
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(
                "python -m actkit.precompile failed (see above): the modules it imports "
                "(yamldoc, facts, templates, events and theirs) must import with only the "
                "build requirements (hatchling, PyYAML) installed"
            )
        build_data["force_include"][str(self._folder / "out")] = TARGET

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:  # noqa: ARG002
        folder = getattr(self, "_folder", None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
