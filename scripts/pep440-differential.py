#!/usr/bin/env python3
"""Differential test: envlock's `version` rules against Python's `packaging` library.

Generates thousands of synthetic packages whose versions and specifier sets aim at the
corners of PEP 440 (epochs, local labels, pre/post/dev releases, `.*`, `~=`, `===`, `!=`
with `.*`, strings that are not versions, upper case, odd separators, a leading `v`), then:

  1. writes a site-packages folder with one `pkgN-X.dist-info/METADATA` per package,
  2. writes an envlock profile with one rule per package: `python.packages.pkgN: {version: "<spec>"}`,
  3. computes packaging's answer for each: `SpecifierSet(spec).contains(version, installed=True)`,
  4. runs `envlock lock --profile P --site-packages SP --force --output L` and
     `envlock verify L --allow-unsigned --site-packages SP --format json`,
  5. compares each rule's verdict (`pass` versus `fail`/`warn`) with packaging's answer.

It prints every disagreement and exits 1 if there is any, 2 if envlock could not be run or
its report could not be read, 3 if packaging 26 or later is missing, 0 otherwise.

    scripts/pep440-differential.py .build/debug/envlock
    scripts/pep440-differential.py --self-check          # generation only, no envlock

The generation is deterministic for a given --seed and --cases.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

try:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version
    import packaging
except ImportError:  # pragma: no cover - reported to the caller
    sys.stderr.write("pep440-differential: needs the Python package 'packaging' 26 or later (pip install 'packaging>=26')\n")
    sys.exit(3)
if int(packaging.__version__.split(".")[0]) < 26:
    # Older releases hold pre-releases back differently; envlock follows packaging 26.
    sys.stderr.write(f"pep440-differential: needs packaging 26 or later, found {packaging.__version__}\n")
    sys.exit(3)


# --- Generating versions -------------------------------------------------------------------

SEPARATORS = ["", ".", "-", "_"]
PRE_SPELLINGS = ["a", "alpha", "b", "beta", "c", "rc", "pre", "preview", "A", "Alpha", "B", "BETA", "RC", "Rc", "C", "PREVIEW", "Pre"]
POST_SPELLINGS = ["post", "rev", "r", "POST", "Post", "REV", "R"]
DEV_SPELLINGS = ["dev", "DEV", "Dev"]
LOCAL_SEGMENTS = ["cu121", "cu118", "CU124", "rocm5.7", "ubuntu", "1", "01", "0", "00", "abc", "g1234abc", "cpu", "Z9", "7", "10", "2"]
NUMBERS = [0, 0, 0, 1, 1, 2, 2, 3, 5, 9, 10, 11, 12, 99, 104, 535, 2024]
NON_VERSIONS = [
    "not a version",
    "Tesla V100-SXM2-32GB",
    "1.0-",
    "1..0",
    "1.0.",
    "french toast",
    "2.2.0+cu121 extra",
    "latest",
    "1.0+",
    "1.0+a..b",
    "v",
    "1!",
    "1.0+_x",
    "main@abc123",
    "12.1 (build 1)",
    "2.2.0a1.post1.dev1.dev2",
]


def number_text(rng: random.Random, value: int) -> str:
    """A number, sometimes written with leading zeros (PEP 440 ignores them)."""
    return ("0" * rng.choice([1, 2]) + str(value)) if rng.random() < 0.08 else str(value)


class Parts:
    """A version's parts, to be spelled in one of many equivalent ways."""

    def __init__(self, epoch, release, pre, post, dev, local):
        self.epoch = epoch  # int or None
        self.release = release  # list of int
        self.pre = pre  # (letter spelling, int or None) or None
        self.post = post  # (spelling or None for "-N", int or None) or None
        self.dev = dev  # int or None
        self.local = local  # list of str or None

    def copy(self) -> "Parts":
        return Parts(self.epoch, list(self.release), self.pre, self.post, self.dev, list(self.local) if self.local else None)


def random_parts(rng: random.Random) -> Parts:
    epoch = rng.choice([1, 2, 0, 10]) if rng.random() < 0.12 else None
    release = [rng.choice(NUMBERS) for _ in range(rng.choice([1, 2, 2, 3, 3, 3, 4]))]
    pre = (rng.choice(PRE_SPELLINGS), rng.choice([None, 0, 1, 1, 2, 10])) if rng.random() < 0.3 else None
    post = None
    if rng.random() < 0.22:
        post = (None, rng.choice([0, 1, 2])) if rng.random() < 0.25 else (rng.choice(POST_SPELLINGS), rng.choice([None, 0, 1, 2]))
    dev = rng.choice([None, 0, 1, 20240101]) if rng.random() < 0.25 else None
    if dev is None and rng.random() < 0.1:
        dev = -1  # "dev" with no number
    local = [rng.choice(LOCAL_SEGMENTS) for _ in range(rng.choice([1, 1, 2, 3]))] if rng.random() < 0.25 else None
    return Parts(epoch, release, pre, post, dev, local)


def spell(rng: random.Random, parts: Parts, *, allow_local: bool = True, prefix_v: bool | None = None) -> str:
    """Writes `parts` with random but valid separators, case and optional leading `v`."""
    text = ""
    if prefix_v is None:
        prefix_v = rng.random() < 0.08
    if prefix_v:
        text += rng.choice(["v", "V"])
    if parts.epoch is not None:
        text += number_text(rng, parts.epoch) + "!"
    text += ".".join(number_text(rng, n) for n in parts.release)
    if parts.pre is not None:
        letters, number = parts.pre
        text += rng.choice(SEPARATORS) + letters
        if number is not None:
            text += rng.choice(SEPARATORS) + number_text(rng, number)
    if parts.post is not None:
        letters, number = parts.post
        if letters is None:
            text += "-" + number_text(rng, number)
        else:
            text += rng.choice(SEPARATORS) + letters
            if number is not None:
                text += rng.choice(SEPARATORS) + number_text(rng, number)
    if parts.dev is not None:
        text += rng.choice(SEPARATORS) + rng.choice(DEV_SPELLINGS)
        if parts.dev >= 0:
            text += rng.choice(SEPARATORS) + number_text(rng, parts.dev)
    if allow_local and parts.local:
        text += "+" + parts.local[0]
        for segment in parts.local[1:]:
            text += rng.choice([".", "-", "_"]) + segment
    return text


def random_candidate(rng: random.Random) -> tuple[str, Parts | None]:
    """An installed version as a METADATA file would give it: usually PEP 440, sometimes not."""
    if rng.random() < 0.06:
        return rng.choice(NON_VERSIONS), None
    parts = random_parts(rng)
    return spell(rng, parts), parts


# --- Generating specifier sets -------------------------------------------------------------

QUIRKY_COMPATIBLE = ["~=v1.0", "~=V2.2", "~=1.0.c1", "~=1.0.pre1", "~=1.0.r1", "~=1.0.rev1", "~=1.0.DEV1", "~=1.0.Post1",
                     "~=1.0.A1", "~=1.0-1.DEV1", "~=1.0.c.1", "~=v1!1.0", "~=1!1.0", "~=2.2.0rc1", "~=1.0alpha1"]


def nearby(rng: random.Random, parts: Parts) -> Parts:
    """A version at or near `parts`, so that comparisons land on the edges."""
    result = parts.copy()
    for _ in range(rng.choice([0, 1, 1, 2])):
        change = rng.randrange(9)
        if change == 0 and result.release:
            i = rng.randrange(len(result.release))
            result.release[i] = max(0, result.release[i] + rng.choice([-1, 1]))
        elif change == 1:
            result.release.append(0)
        elif change == 2 and len(result.release) > 1:
            result.release.pop()
        elif change == 3:
            result.pre = None if result.pre else (rng.choice(PRE_SPELLINGS), rng.choice([None, 0, 1, 2]))
        elif change == 4:
            result.post = None if result.post else (rng.choice(POST_SPELLINGS), rng.choice([None, 0, 1]))
        elif change == 5:
            result.dev = None if result.dev is not None else rng.choice([0, 1, -1])
        elif change == 6:
            result.local = None if result.local else [rng.choice(LOCAL_SEGMENTS)]
        elif change == 7:
            result.epoch = None if result.epoch else rng.choice([0, 1])
        else:
            pass
    return result


def random_clause(rng: random.Random, candidate: str, parts: Parts | None) -> str:
    base = nearby(rng, parts) if parts is not None and rng.random() < 0.85 else random_parts(rng)
    op = rng.choice(["~=", "==", "==", "!=", "<", "<=", ">", ">=", ">=", "===", "==*", "!=*"])
    space = rng.choice(["", "", "", " ", "  "])
    if op == "===":
        if rng.random() < 0.6:
            target = candidate
            target = target.upper() if rng.random() < 0.2 else target
        elif parts is not None and rng.random() < 0.5:
            target = str(Version(candidate)) if is_version(candidate) else candidate
        else:
            target = spell(rng, base)
        target = "".join(c for c in target if not c.isspace() and c not in ";)")
        return "===" + space + target
    if op in ("==*", "!=*"):
        release = base.release[: rng.randint(1, len(base.release))] if base.release else [1]
        prefix = Parts(base.epoch, release, None, None, None, None)
        return op[:2] + space + spell(rng, prefix, allow_local=False) + ".*"
    if op == "~=":
        if rng.random() < 0.1:
            return rng.choice(QUIRKY_COMPATIBLE)
        if len(base.release) < 2:
            base.release = base.release + [0]
        return "~=" + space + spell(rng, base, allow_local=False)
    allow_local = op in ("==", "!=")
    return op + space + spell(rng, base, allow_local=allow_local)


def random_specifier(rng: random.Random, candidate: str, parts: Parts | None) -> str:
    """A valid specifier set (as packaging judges) aimed at `candidate`."""
    while True:
        count = rng.choice([1, 1, 1, 2, 2, 3])
        clauses = [random_clause(rng, candidate, parts) for _ in range(count)]
        joiner = rng.choice([",", ", ", " ,", " , "])
        text = joiner.join(clauses)
        if rng.random() < 0.05:
            text = " " + text + " "
        try:
            SpecifierSet(text)
        except InvalidSpecifier:
            continue
        return text


def is_version(text: str) -> bool:
    try:
        Version(text)
        return True
    except InvalidVersion:
        return False


def generate(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    cases = []
    for index in range(count):
        candidate, parts = random_candidate(rng)
        spec = random_specifier(rng, candidate, parts)
        expected = SpecifierSet(spec).contains(candidate, installed=True)
        cases.append({"name": f"pkg{index}", "version": candidate, "spec": spec, "expected": expected})
    return cases


# --- Writing the fixture -------------------------------------------------------------------

def yaml_double_quoted(text: str) -> str:
    """A YAML double-quoted scalar holding exactly `text`."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0 or code in (0x2028, 0x2029, 0xFEFF):
            out.append(f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def dist_info_name(name: str, version: str) -> str:
    """`pkgN-X.dist-info`, with characters that do not belong in a folder name replaced."""
    safe = "".join(c if c.isalnum() or c in ".+!" else "_" for c in version) or "0"
    return f"{name}-{safe}.dist-info"


def write_site_packages(folder: str, cases: list[dict]) -> None:
    os.makedirs(folder, exist_ok=True)
    for case in cases:
        dist_info = os.path.join(folder, dist_info_name(case["name"], case["version"]))
        os.makedirs(dist_info)
        with open(os.path.join(dist_info, "METADATA"), "w", encoding="utf-8") as metadata:
            metadata.write(f"Metadata-Version: 2.1\nName: {case['name']}\nVersion: {case['version']}\n")


def write_profile(path: str, cases: list[dict]) -> None:
    lines = [
        "envlock: 1",
        "name: pep440-differential",
        'description: "Generated by scripts/pep440-differential.py: one version rule per synthetic package."',
        "rules:",
    ]
    for case in cases:
        lines.append(f"  python.packages.{case['name']}: {{version: {yaml_double_quoted(case['spec'])}}}")
    with open(path, "w", encoding="utf-8") as profile:
        profile.write("\n".join(lines) + "\n")


# --- Checks --------------------------------------------------------------------------------

def coverage(cases: list[dict]) -> dict[str, int]:
    """How many cases hit each corner, so a change to the generator cannot quietly lose one."""
    counts: collections.Counter[str] = collections.Counter()
    for case in cases:
        spec, version = case["spec"], case["version"]
        counts["matches" if case["expected"] else "does not match"] += 1
        try:
            parsed = Version(version)
        except InvalidVersion:
            counts["candidate is not a version"] += 1
            parsed = None
        if parsed is not None:
            counts["candidate has an epoch"] += parsed.epoch != 0
            counts["candidate has a local label"] += parsed.local is not None
            counts["candidate is a pre-release"] += parsed.is_prerelease
            counts["candidate is a post-release"] += parsed.is_postrelease
            counts["candidate is written unnormalized"] += str(parsed) != version
            counts["pre-release candidate that matches"] += parsed.is_prerelease and case["expected"]
        clauses = [c.strip() for c in spec.split(",") if c.strip()]
        counts["specifier sets with several clauses"] += len(clauses) > 1
        for clause in clauses:
            for op in ("===", "~=", "==", "!=", "<=", ">=", "<", ">"):
                if clause.startswith(op):
                    wildcard = ".*" if clause.endswith(".*") else ""
                    counts[f"clause {op}{'V' + wildcard if wildcard else ''}"] += 1
                    break
            counts["clause with a local label"] += "+" in clause and not clause.startswith("===")
            counts["clause with a leading v"] += "v" in clause.lower().split("=")[-1][:2]
        counts["=== against a non-version"] += parsed is None and "===" in spec
    return dict(sorted(counts.items()))


REQUIRED_CORNERS = [
    "candidate has an epoch", "candidate has a local label", "candidate is a pre-release", "candidate is a post-release",
    "candidate is not a version", "candidate is written unnormalized", "pre-release candidate that matches",
    "clause ~=", "clause ==", "clause !=", "clause <", "clause <=", "clause >", "clause >=", "clause ===",
    "clause ==V.*", "clause !=V.*", "clause with a local label", "clause with a leading v",
    "specifier sets with several clauses", "=== against a non-version", "matches", "does not match",
]


def self_check(cases: list[dict], work: str) -> list[str]:
    """Problems with the generated fixture itself; empty when it is sound."""
    problems = []
    counts = coverage(cases)
    for corner in REQUIRED_CORNERS:
        if counts.get(corner, 0) < 5:
            problems.append(f"too few cases for '{corner}': {counts.get(corner, 0)}")
    for case in cases:
        try:
            SpecifierSet(case["spec"])
        except InvalidSpecifier:
            problems.append(f"{case['name']}: generated an invalid specifier {case['spec']!r}")
        if "\n" in case["version"] or case["version"] != case["version"].strip() or not case["version"]:
            problems.append(f"{case['name']}: version {case['version']!r} would not survive a METADATA header")
    names = [dist_info_name(c["name"], c["version"]) for c in cases]
    if len(set(names)) != len(names):
        problems.append("two packages share a dist-info folder name")
    try:
        import yaml  # PyYAML, only to prove the profile's quoting; optional
    except ImportError:
        yaml = None
    if yaml is not None:
        with open(os.path.join(work, "profile.yaml"), encoding="utf-8") as profile:
            rules = yaml.safe_load(profile)["rules"]
        for case in cases:
            written = rules.get(f"python.packages.{case['name']}", {}).get("version")
            if written != case["spec"]:
                problems.append(f"{case['name']}: profile reads back {written!r}, not {case['spec']!r}")
    return problems


def run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def differential(binary: str, cases: list[dict], work: str) -> int:
    profile = os.path.join(work, "profile.yaml")
    site_packages = os.path.join(work, "site-packages")
    lock = os.path.join(work, "env.lock")
    started = time.monotonic()
    locked = run([binary, "lock", "--profile", profile, "--site-packages", site_packages, "--force", "--output", lock])
    if locked.returncode != 0:
        print(f"envlock lock exited {locked.returncode}:\n{locked.stdout}\n{locked.stderr}", file=sys.stderr)
        return 2
    verified = run([binary, "verify", lock, "--allow-unsigned", "--site-packages", site_packages, "--format", "json"])
    elapsed = time.monotonic() - started
    if verified.returncode not in (0, 1):
        print(f"envlock verify exited {verified.returncode}:\n{verified.stdout}\n{verified.stderr}", file=sys.stderr)
        return 2
    try:
        report = json.loads(verified.stdout)
        results = {result["key"]: result for result in report["results"]}
    except (ValueError, KeyError, TypeError) as error:
        print(f"cannot read verify's JSON report ({error}):\n{verified.stdout[:2000]}", file=sys.stderr)
        return 2

    disagreements = []
    for case in cases:
        key = f"python.packages.{case['name']}"
        result = results.get(key, {})
        verdict = result.get("verdict")
        if verdict not in ("pass", "fail", "warn"):
            disagreements.append(f"{key}: no verdict in the report (got {verdict!r})")
            continue
        if result.get("found") != case["version"]:
            # The comparison is only meaningful on the string METADATA holds.
            disagreements.append(f"{key}: envlock read version {result.get('found')!r}, but METADATA says {case['version']!r}")
            continue
        if (verdict == "pass") != case["expected"]:
            disagreements.append(
                f"{key}: version {case['version']!r} against {case['spec']!r}: "
                f"packaging says {'match' if case['expected'] else 'no match'}, envlock says {verdict}"
            )
    for line in disagreements:
        print(line)
    print(
        f"pep440-differential: {len(cases)} rules, {len(disagreements)} disagreements with packaging "
        f"{packaging.__version__} (lock + verify took {elapsed:.1f} s)"
    )
    return 1 if disagreements else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("envlock", nargs="?", help="path to the envlock binary")
    parser.add_argument("--self-check", action="store_true", help="only generate and check the fixture; do not run envlock")
    parser.add_argument("--cases", type=int, default=3000, help="number of synthetic packages (default 3000)")
    parser.add_argument("--seed", type=int, default=440, help="random seed (default 440)")
    parser.add_argument("--keep", metavar="DIR", help="write the fixture into DIR and keep it")
    parser.add_argument("--show-coverage", action="store_true", help="print how many cases hit each corner")
    arguments = parser.parse_args()
    if not arguments.self_check and not arguments.envlock:
        parser.error("give the envlock binary, or --self-check")

    cases = generate(arguments.cases, arguments.seed)
    work = arguments.keep or tempfile.mkdtemp(prefix="pep440-differential-")
    try:
        os.makedirs(work, exist_ok=True)
        write_site_packages(os.path.join(work, "site-packages"), cases)
        write_profile(os.path.join(work, "profile.yaml"), cases)
        with open(os.path.join(work, "expected.json"), "w", encoding="utf-8") as expected:
            json.dump(cases, expected, indent=1)
        if arguments.show_coverage or arguments.self_check:
            for corner, count in coverage(cases).items():
                print(f"  {count:6d}  {corner}")
        if arguments.self_check:
            problems = self_check(cases, work)
            for problem in problems:
                print(problem)
            print(f"pep440-differential --self-check: {len(cases)} cases, {len(problems)} problems")
            return 1 if problems else 0
        return differential(arguments.envlock, cases, work)
    finally:
        if not arguments.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
