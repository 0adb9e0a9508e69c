"""The CPython interpreters a differential test runs its cases through: every CPython
3.10-3.13 found on the machine (pyenv's versions, then python3.X on PATH), one per minor
version. Imported by the scripts beside this file.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

MINORS = ("3.10", "3.11", "3.12", "3.13")


def find_pythons() -> dict[str, str]:
    """{"3.10": "/root/.pyenv/versions/3.10.13/bin/python3.10", ...} for each minor found."""
    found: dict[str, str] = {}
    roots = [os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))]
    for minor in MINORS:
        candidates = []
        for root in roots:
            candidates += sorted(glob.glob(os.path.join(root, "versions", minor + ".*", "bin", "python" + minor)), reverse=True)
        on_path = shutil.which("python" + minor)
        if on_path:
            candidates.append(on_path)
        for candidate in candidates:
            try:
                out = subprocess.run([candidate, "-c", "import sys, platform; print(platform.python_implementation(), '%d.%d' % sys.version_info[:2])"],
                                     capture_output=True, text=True, timeout=30, env={"PATH": os.environ.get("PATH", "")})
            except (OSError, subprocess.TimeoutExpired):
                continue
            if out.returncode == 0 and out.stdout.split() == ["CPython", minor]:
                found[minor] = candidate
                break
    return found
