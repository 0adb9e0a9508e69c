#!/usr/bin/env python3
"""envlock's reading of `.pth` files against site.py's own, in every CPython 3.10-3.13 here.

site.py executes the lines of a site folder's `.pth` files that start with `import ` or
`import<TAB>` (`addpackage`); 3.13 decodes the file as UTF-8 with an optional BOM and splits it
with `str.splitlines()`, earlier releases read it line by line in the locale's encoding. envlock
(`PthFile.executableLines`, Sources/Probe/Python/PthFile.swift) must find every line any of them
executes: it may find more (it splits where any release splits), never fewer, since a line it
misses is code that runs unseen at every start.

Usage: pth_differential.py PATH/TO/envlock-differential [--seed N] [--cases N]

Each generated file mixes marker lines (`import builtins; builtins.M.append(N)`, spelled with a
space or a tab, indented or not), comments, blank lines, path lines and non-UTF-8 bytes, joined
by every line separator any release knows, with or without a BOM. Each interpreter runs
`site.addpackage` on each file and reports the markers that ran.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pythons import find_pythons  # noqa: E402

CHILD = r'''
import builtins, os, site, sys, tempfile
folder = tempfile.mkdtemp()
sys.stderr = open(os.devnull, "w")
out = []
for line in sys.stdin:
    path = os.path.join(folder, "case.pth")
    with open(path, "wb") as file:
        file.write(bytes.fromhex(line.strip()))
    builtins.M = []
    try:
        site.addpackage(folder, "case.pth", set())
    except BaseException:
        pass
    out.append(",".join(str(n) for n in builtins.M))
sys.stdout.write("\n".join(out) + "\n")
'''

SEPARATORS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def generate(rng: random.Random, count: int) -> list[bytes]:
    cases = []
    marker = 0
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 6)):
            kind = rng.random()
            if kind < 0.5:
                marker += 1
                keyword = rng.choice(["import ", "import\t", " import ", "Import ", "import  "])
                parts.append(f"{keyword}builtins; builtins.M.append({marker})")
            elif kind < 0.65:
                parts.append("# " + rng.choice(["note", "import builtins; builtins.M.append(0)", "é"]))
            elif kind < 0.8:
                parts.append(rng.choice(["", " ", "\t"]))
            else:
                parts.append(rng.choice(["/opt/extra", "relative/path", "./x"]))
        text = ""
        for part in parts:
            text += part + rng.choice(SEPARATORS)
        if rng.random() < 0.3:
            text = text.rstrip("".join(SEPARATORS))
        data = text.encode("utf-8")
        if rng.random() < 0.15:
            data = b"\xef\xbb\xbf" + data
        if rng.random() < 0.1:
            data = data.replace("é".encode("utf-8"), b"\xe9")
        cases.append(data)
    return cases


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("driver")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--cases", type=int, default=3000)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    cases = generate(rng, options.cases)
    hex_input = "".join(case.hex() + "\n" for case in cases)
    envlock = subprocess.run([options.driver, "pth"], input=hex_input, capture_output=True, text=True, check=True).stdout.split("\n")
    pythons = find_pythons()
    if not pythons:
        print("no CPython 3.10-3.13 found")
        return 1
    missed = 0
    extra = 0
    environment = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
    for minor, interpreter in sorted(pythons.items()):
        ran = subprocess.run([interpreter, "-I", "-c", CHILD], input=hex_input, capture_output=True, text=True, env=environment, check=True).stdout.split("\n")
        minor_missed = 0
        ran_some = 0
        for index, case in enumerate(cases):
            python_set = {n for n in ran[index].split(",") if n}
            ran_some += bool(python_set)
            envlock_set = {n for n in envlock[index].split(",") if n}
            if not python_set <= envlock_set:
                minor_missed += 1
                if minor_missed <= 5:
                    print(f"  {minor}: case {case!r}: Python ran {sorted(python_set)}, envlock saw {sorted(envlock_set)}")
            elif python_set != envlock_set:
                extra += 1
        missed += minor_missed
        print(f"interpreter {minor} ({interpreter}): {len(cases)} files, {ran_some} with lines Python ran, {minor_missed} with lines envlock missed")
        if ran_some == 0:
            print(f"  {minor} ran no line of any file: the harness itself is broken")
            missed += 1
    print(f"{missed} missed in all; {extra} cases where envlock saw lines a release did not run (allowed: stricter)")
    return 0 if missed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
