#!/usr/bin/env python3
"""envlock's argparse (Sources/Probe/Jobs/PythonArgparse.swift) against CPython's own.

Usage: argparse_differential.py DRIVER [--seed N] [--cases N] [--verbose] [--argparse-file PATH[=MINOR] ...]

DRIVER is the built `envlock-differential`. `DRIVER argparse --export-tables` gives Fooocus' and
ComfyUI's option tables; inside every CPython 3.10-3.13 that pythons.py finds, this script
builds real `argparse.ArgumentParser`s from those tables (the apps' `EnumAction` re-created as
their source has it, enum classes, groups, `set_defaults`, ComfyUI's `is_valid_directory` with
the filesystem answers the case gives) and runs `parser.parse_args(argv)` on generated command
lines in named families. envlock gets the same cases with the interpreter's minor version.
Compared per case and version: the exit status, the parsed namespace, and for an exit its
message (argparse's text after `prog: error: `), except where an argument holds a lone
surrogate: envlock's messages are Swift strings, which show one as `\\udcff`.

An `undetermined` answer is a failure, except in the family `unicode_new`, whose strings hold
characters newer than Unicode 13.0: Python 3.10-3.13 carry different Unicode databases (13.0 to
15.1), and envlock answers undetermined rather than guess which one a job's interpreter has.

`--argparse-file PATH` (repeatable) checks another copy of argparse.py, one a distribution or a
bundled interpreter ships (envlock picks its model by the SHA-256 of the argparse.py a job's
interpreter would import): instead of the interpreters' own, every file given is loaded as the
module `argparse` (importlib's spec_from_file_location, put in sys.modules before the worker
imports it) inside the interpreter pythons.py finds for the file's minor version, and envlock
answers the cases with that minor. The minor comes from the directory holding the file
(`.../python3.11/argparse.py`), or from `PATH=MINOR` (`=11` or `=3.11`). Reported as without the
option, one line per file, with its SHA-256. envlock answers with the revision of argparse's
behaviour (`PythonArgparse.Revision`) given as `PATH=MINOR:REVISION`, else the one
`JobArgparse.provenFiles` gives the file's SHA-256 (`envlock-differential argparse
--proven-files`), else the minor's first release's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pythons import find_pythons  # noqa: E402

DATABASE_URL = "sqlite:////srv/ComfyUI/user/comfyui.db"

# With --argparse-file, runs before WORKER: makes `import argparse` give the file (sys.argv[2]).
LOADER = r'''
import importlib.util, sys
sys.dont_write_bytecode = True
spec = importlib.util.spec_from_file_location("argparse", sys.argv[2])
module = importlib.util.module_from_spec(spec)
sys.modules["argparse"] = module
spec.loader.exec_module(module)
'''

# Runs inside each CPython: builds the parsers from the tables and answers every case.
WORKER = r'''
import argparse, enum, io, json, struct, sys, contextlib
assert len(sys.argv) < 3 or argparse.__file__ == sys.argv[2], (argparse.__file__, sys.argv[2:])

tables = json.loads(sys.stdin.readline())
cases = [json.loads(line) for line in sys.stdin if line.strip()]
CURRENT_PATHS = {}

class EnumAction(argparse.Action):
    """Fooocus ldm_patched/modules/args_parser.py and ComfyUI comfy/cli_args.py, verbatim."""
    def __init__(self, **kwargs):
        enum_type = kwargs.pop("type", None)
        if enum_type is None:
            raise ValueError("type must be assigned an Enum when using EnumAction")
        if not issubclass(enum_type, enum.Enum):
            raise TypeError("type must be an Enum when using EnumAction")
        choices = tuple(e.value for e in enum_type)
        kwargs.setdefault("choices", choices)
        kwargs.setdefault("metavar", f"[{','.join(list(choices))}]")
        super(EnumAction, self).__init__(**kwargs)
        self._enum = enum_type

    def __call__(self, parser, namespace, values, option_string=None):
        value = self._enum(values)
        setattr(namespace, self.dest, value)

def is_valid_directory(path: str) -> str:
    """ComfyUI comfy/cli_args.py, with os.path.exists/isdir/os.access answered by the case."""
    state = CURRENT_PATHS.get(path, "missing")
    if state == "missing":
        raise argparse.ArgumentTypeError(f"The path '{path}' does not exist.")
    if state == "file":
        raise argparse.ArgumentTypeError(f"'{path}' is not a directory.")
    if state == "unreadable":
        raise argparse.ArgumentTypeError(f"You do not have read permissions for '{path}'.")
    return path

def decode(value, enums):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, list):
        return [decode(v, enums) for v in value]
    if "int" in value:
        return int(value["int"])
    if "float" in value:
        return struct.unpack(">d", bytes.fromhex(value["float"]))[0]
    if "str" in value:
        return value["str"]
    if "enum" in value:
        return enums[value["enum"][0]](value["enum"][1])
    if "machine" in value:
        return {"database_url": DATABASE_URL}[value["machine"]]
    raise ValueError(value)

DATABASE_URL = sys.argv[1]

def build(table):
    enums = {}
    def enum_class(spec):
        if spec["name"] not in enums:
            enums[spec["name"]] = enum.Enum(spec["name"], [tuple(m) for m in spec["members"]])
        return enums[spec["name"]]
    for argument in table["arguments"]:
        if argument["action"] == "enum_action":
            enum_class(argument["enum"])
        if isinstance(argument["type"], dict) and "enum" in argument["type"]:
            enum_class(argument["type"]["enum"])
    parser = argparse.ArgumentParser(prog="main.py")
    group_of = {}
    for index, group in enumerate(table["mutually_exclusive"]):
        for dest in group:
            group_of[dest] = index
    groups = {}
    for argument in table["arguments"]:
        if argument["action"] == "help":
            assert argument["flags"] == ["-h", "--help"]
            continue
        kwargs = {}
        action = argument["action"]
        default = decode(argument["default"], enums)
        if action == "store_const" and argument["const"] is True and default is False:
            kwargs["action"] = "store_true"
        elif action == "store_const":
            kwargs.update(action="store_const", const=decode(argument["const"], enums), default=default)
        else:
            if action == "append":
                kwargs["action"] = "append"
            elif action == "enum_action":
                kwargs["action"] = EnumAction
                kwargs["type"] = enums[argument["enum"]["name"]]
            if argument["nargs"] is not None:
                kwargs["nargs"] = argument["nargs"]
            if "const" in argument:
                kwargs["const"] = decode(argument["const"], enums)
            kwargs["default"] = default
            t = argument["type"]
            if t == "str":
                kwargs["type"] = str
            elif t == "int":
                kwargs["type"] = int
            elif t == "float":
                kwargs["type"] = float
            elif isinstance(t, dict) and "enum" in t:
                kwargs["type"] = enums[t["enum"]["name"]]
            elif isinstance(t, dict) and t.get("external") == "is_valid_directory":
                kwargs["type"] = is_valid_directory
            if "choices" in argument:
                kwargs["choices"] = argument["choices"]
        dest = argument["dest"]
        if dest in group_of:
            key = group_of[dest]
            if key not in groups:
                groups[key] = parser.add_mutually_exclusive_group()
            made = groups[key].add_argument(*argument["flags"], **kwargs)
        else:
            made = parser.add_argument(*argument["flags"], **kwargs)
        assert made.dest == dest, (made.dest, dest)
    if table["set_defaults"]:
        parser.set_defaults(**{dest: decode(value, enums) for dest, value in table["set_defaults"]})
    # Formatting the usage and help text is most of the time a case takes, and only prints;
    # the exit and its message stay argparse's own (error() and the help action call these).
    parser.print_usage = lambda file=None: None
    parser.print_help = lambda file=None: None
    return parser

def canonical(value):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return {"enum": [type(value).__name__, value.value]}
    if isinstance(value, int):
        return {"int": str(value)}
    if isinstance(value, float):
        return {"float": struct.pack(">d", value).hex()}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return {"unsupported": type(value).__name__}

parsers = {app: build(table) for app, table in tables.items()}
out = []
for case in cases:
    CURRENT_PATHS = case.get("paths", {})
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            namespace = parsers[case["app"]].parse_args(case["argv"])
        out.append({"status": 0, "namespace": {k: canonical(v) for k, v in vars(namespace).items()}})
    except SystemExit as exit:
        status = exit.code if isinstance(exit.code, int) else 1
        text = err.getvalue()
        marker = "main.py: error: "
        message = text[text.rfind(marker) + len(marker):-1] if marker in text else ("help" if status == 0 else text)
        out.append({"status": status, "message": message})
    except Exception as error:
        out.append({"status": 1, "message": "%s: %s" % (type(error).__name__, error)})
sys.stdout.write(json.dumps(out) + "\n")
'''


def generate(tables: dict, rng: random.Random, count: int) -> list[tuple[str, dict]]:
    """(family, case) pairs: every named corner, then random mixes up to `count`."""
    cases: list[tuple[str, dict]] = []

    def add(family, app, argv, paths=None):
        case = {"app": app, "argv": list(argv), "machine": {"database_url": DATABASE_URL}}
        if paths:
            case["paths"] = paths
        cases.append((family, case))

    values_for = {
        "int": ["8", "0", "-1", "65535", "+7", " 12 ", "1_000", "\u0661\u0662", "007", "abc", "1.5", "0x10", "1__0", "_1", "1_", "", "-", "\u00a012\u2003", "\u2007"],
        "float": ["1", "1.5", "-2.5", ".5", "5.", "1e3", "1E-3", "inf", "-Infinity", "nan", "-nan", "1e999", "1_0.5", "1e", "abc", " 2.5\n", "0x1p3", "\u0663.\u0661", "1e1_0", ""],
        "str": ["x", "", "anime", "a b", "-x", "--x", "-1", "=", "é", "--preset=gpu preset"],
    }
    for app, table in tables.items():
        arguments = [a for a in table["arguments"] if a["action"] != "help"]
        longs = [f for a in table["arguments"] for f in a["flags"] if f.startswith("--")]

        def sample_value(argument):
            t = argument["type"]
            if argument.get("choices"):
                return rng.choice(argument["choices"] + ["bogus", argument["choices"][0].upper()])
            if argument["action"] == "enum_action":
                return rng.choice([m[1] for m in argument["enum"]["members"]] + ["bogus"])
            if isinstance(t, dict) and "enum" in t:
                return rng.choice([m[1] for m in t["enum"]["members"]] + ["bogus"])
            if isinstance(t, dict):
                return rng.choice(["/srv/ui", "/srv/missing", "/srv/file", "/srv/locked", "rel/dir"])
            return rng.choice(values_for.get(t or "str", values_for["str"]))

        paths = {"/srv/ui": "directory", "/srv/missing": "missing", "/srv/file": "file", "/srv/locked": "unreadable", "rel/dir": "directory"}
        for argument in arguments:
            flag = argument["flags"][0]
            takes = argument["nargs"] is not None or argument["action"] in ("store", "append", "enum_action")
            add("exact", app, [flag])
            if takes:
                for _ in range(3):
                    add("exact_value", app, [flag, sample_value(argument)], paths)
                    add("eq_value", app, [flag + "=" + sample_value(argument)], paths)
                add("eq_empty", app, [flag + "="])
                add("eq_double_dash", app, [flag + "=--"])
                add("value_dash", app, [flag, "-x"])
                add("value_negative", app, [flag, rng.choice(["-1", "-1.5", "-.5", "-1e5", "-0", "-1\n", "-\u0661", "-1 2"])])
                add("value_then_option", app, [flag, "--cpu" if app == "comfyui" else "--share"])
                add("value_then_double_dash", app, [flag, "--", "x"])
                add("trailing_double_dash", app, [flag, sample_value(argument), "--"], paths)
                for value in (values_for.get(argument["type"]) if isinstance(argument["type"], str) else None) or []:
                    add("type_values", app, [flag, value])
            else:
                add("flag_eq", app, [flag + "=1"])
                add("flag_eq_empty", app, [flag + "="])
            add("repeated", app, [flag] + ([sample_value(argument)] if takes else []) + [flag] + ([sample_value(argument)] if takes else []), paths)
        for flag in longs:
            for end in range(3, len(flag) + 1):
                prefix = flag[:end]
                add("prefix", app, [prefix])
                # with a value: a sample (every prefix alone is above).
                if rng.random() < 0.3:
                    add("prefix_value", app, [prefix, rng.choice(["1", "x", "-1", "--cpu"])])
                if rng.random() < 0.3:
                    add("prefix_eq", app, [prefix + "=" + rng.choice(["1", "", "x y", "--"])])
        for group in table["mutually_exclusive"]:
            flags = {a["dest"]: a for a in arguments}
            for first in group:
                for second in group:
                    a, b = flags[first], flags[second]
                    av = [a["flags"][0]] + (["0"] if a["type"] == "int" and a["nargs"] is None else [])
                    bv = [b["flags"][0]] + (["0"] if b["type"] == "int" and b["nargs"] is None else [])
                    add("exclusive", app, av + bv)
            for dest in group:
                a = flags[dest]
                if a["type"] == "int":
                    other = flags[[d for d in group if d != dest][0]]["flags"][0]
                    for value in ["0", "00", "0_0", "1", "256", "257", "-5", "-6", "-1", "300", "\u0660"]:
                        add("exclusive_default_quirk", app, [a["flags"][0], value, other])
                        add("exclusive_default_quirk", app, [other, a["flags"][0] + "=" + value])
                    add("exclusive_default_quirk", app, [a["flags"][0], other])
        for argv in (["-h"], ["--help"], ["--he"], ["--h"], ["--hel"], ["-hx"], ["-h=x"], ["-h="], ["-hh"], ["-h-"], ["-hx", "--bogus"],
                     ["--port", "abc", "-h"], ["-h", "--port", "abc"], ["-h", "--dis"], ["--bogus", "-h"], ["-h", "--", "x"],
                     ["--help=1"], ["--help", "--port"], ["--port", "-h"], ["--listen", "-h"], ["-h", "-hx"], ["-x", "-h"]):
            add("help", app, argv)
        for argv in (["--"], ["--", "--cpu"], ["--port", "1", "--"], ["--", "--", "x"], ["x", "--", "--port", "1"], ["--listen", "--", "1"],
                     ["--fast", "--"], ["--fast=--"], ["--preset=--"], ["--listen=--"], ["--port=--"], ["--preview-option=--"], ["--preview-method=--"],
                     ["--external-working-path=--"], ["--extra-model-paths-config=--"], ["--=x"], ["--="], ["---"], ["---x"], ["-"], [""], ["", ""],
                     ["--preset", ""], ["-x"], ["-x=1"], ["-=x"], ["-1"], ["-1.5"], ["-.5"], ["-1e5"], ["-1\n"], ["--port", "-1\n"], ["-1", "-1"],
                     ["x"], ["x y"], ["--bogus", "1"], ["--a"], ["--dis"], ["--disable"], ["--listen", "--preset=gpu preset"],
                     ["--listen", "--pre=gpu preset"], ["--listen", "--bogus=a b"], ["--listen", "-x y"], ["--listen", "--x y"], ["--port=1=2"],
                     ["--verbose", "--verbose=DEBUG"], ["--verbose", "WARNING", "--verbose"], ["--fast", "fp16_accumulation", "bogus"],
                     ["--fast", "cublas_ops", "--fast"], ["--whitelist-custom-nodes"], ["--whitelist-custom-nodes", "a", "b", "--cpu"],
                     ["--external-working-path"], ["--external-working-path", "a", "b", "--external-working-path", "c"], ["--listen"],
                     ["--listen", "0.0.0.0", "x"], ["--always-cpu", "4", "8"], ["--always-cpu", "--always-gpu"], ["--directml", "-1"],
                     ["--user-directory", "/srv/ui"], ["--user-directory", "/srv/missing"], ["--front-end-root=/srv/file"], ["--user-dir", "/srv/locked"],
                     ["--preview-option", "fast"], ["--preview-opt=taesd"], ["--preview-method", "latent2rgb"], ["--default-hashing-function", "md5"]):
            add("corners", app, argv, paths)
        # which error wins: an ambiguous prefix is reported when classified (3.10-3.13.0) or only
        # when reached (3.13.5), so what comes before it decides
        for argv in (["--port", "abc", "--dis"], ["--dis", "--port", "abc"], ["--cpu", "--dis", "-h"], ["-h=x", "--dis"], ["--dis", "-h"],
                     ["-=", "-h"], ["-h", "-=x"], ["--verbose", "bogus", "--dis"], ["--dis=1", "--cpu"], ["--bogus", "--dis"],
                     ["--always-cpu", "x", "--al"], ["--preset", "--dis"], ["--listen", "--dis"], ["-x=1", "--dis"], ["-h=", "-x"],
                     ["--preview-method", "bogus", "--pre"], ["--fast", "bogus", "--dis"], ["--cache-lru", "0", "--cache-none", "--dis"]):
            add("error_order", app, argv, paths)
        # unicode: code points, combining characters, lone surrogates (surrogateescape argv)
        for argv in (["--pr\u00e9set", "x"], ["--preset", "caf\u00e9"], ["--preset", "cafe\u0301"], ["--port", "\u0968\u0966"], ["--port", "\uff11"],
                     ["--preset", "\udcff"], ["--\udcff"], ["-\u0661"], ["-\u0661.\u0662"], ["--\u00ad"], ["--port", "1\u00a0"], ["--port", "\u200b1"],
                     ["--listen", "\u2028"], ["--preset", "\U0001F600"], ["-\u00e9"], ["--preset=\u00e9 \u00e9"], ["\u00e9"], ["--verbose", "debug"],
                     ["--verbose", "DEBUG\u0301"], ["--port", "\U0001D7D9"], ["--web-upload-size", "\u0665e\u0661"], ["--max-upload-size", "\u0665e\u0661"]):
            add("unicode", app, argv)
        for argv in (["--port", "\U00011F51"], ["-\U00011F51"], ["--port", "1\U00011F50"]):
            add("unicode_new", app, argv)
        for digits in (4300, 4301):
            add("long_int", app, ["--port", "9" * digits])
            add("long_int", app, ["--port", "1_" * (digits - 1) + "1"])
    # random mixes
    tokens = {}
    for app, table in tables.items():
        pool = ["--", "-", "", "x", "-1", "a b", "-h", "--he", "=", "0", "1", "abc", "inf", "--bogus", "-x", "é"]
        for argument in table["arguments"]:
            for flag in argument["flags"]:
                pool += [flag, flag[: max(3, len(flag) - rng.randint(0, len(flag)))], flag + "=1", flag + "=x y"]
        tokens[app] = pool
    while len(cases) < count:
        app = rng.choice(list(tables))
        add("random", app, [rng.choice(tokens[app]) for _ in range(rng.randint(1, 6))],
            {"/srv/ui": "directory", "x": "directory", "1": "file"})
    return cases


def has_lone_surrogate(argv):
    return any("\ud800" <= ch <= "\udfff" for arg in argv for ch in arg)


def argparse_file(text: str) -> tuple[str, str, str | None]:
    """`PATH`, `PATH=MINOR` or `PATH=MINOR:REVISION` -> (path, "3.X", revision or None); the minor
    from `=11`/`=3.11` or the file's directory, the revision a `PythonArgparse.Revision` case name."""
    path, minor, revision = text, None, None
    given = re.fullmatch(r"(.+)=(?:3\.)?(\d+)(?::(\w+))?", text)
    if given and not os.path.isfile(text):
        path, minor, revision = given.group(1), "3." + given.group(2), given.group(3)
    if not os.path.isfile(path):
        raise argparse.ArgumentTypeError(f"no file {path!r}")
    if minor is None:
        directory = re.fullmatch(r"python(3\.\d+)", os.path.basename(os.path.dirname(os.path.abspath(path))))
        if not directory:
            raise argparse.ArgumentTypeError(f"cannot tell the minor version of {path!r} from its directory; give PATH=MINOR")
        minor = directory.group(1)
    return os.path.abspath(path), minor, revision


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("driver")
    options.add_argument("--seed", type=int, default=20240611)
    options.add_argument("--cases", type=int, default=7000)
    options.add_argument("--verbose", action="store_true")
    options.add_argument("--argparse-file", type=argparse_file, action="append", default=[], metavar="PATH[=MINOR[:REVISION]]",
                         help="load this argparse.py in place of the interpreter's own (repeatable); envlock answers "
                              "with REVISION, else the revision JobArgparse.provenFiles gives the file, else the minor's first")
    args = options.parse_args()
    started = time.monotonic()
    pythons = find_pythons()
    if not pythons:
        print("argparse differential: no CPython 3.10-3.13 found", file=sys.stderr)
        return 1
    # (label, minor, interpreter, argparse.py to load or None, its sha256): the interpreters' own
    # argparse, or each --argparse-file in the interpreter of its minor.
    # The revision envlock answers with: None for the minor's first release (the interpreters' own).
    targets = [(minor, minor, python, None, None, None) for minor, python in sorted(pythons.items())]
    if args.argparse_file:
        proven = json.loads(subprocess.run([args.driver, "argparse", "--proven-files"], capture_output=True, text=True, check=True).stdout)
        targets = []
        for path, minor, revision in args.argparse_file:
            if minor not in pythons:
                print(f"argparse differential: {path}: no CPython {minor} found (have {', '.join(sorted(pythons))})", file=sys.stderr)
                return 1
            with open(path, "rb") as file:
                digest = hashlib.sha256(file.read()).hexdigest()
            if revision is None and digest in proven:
                revision = proven[digest]["revision"]
            label = f"{minor} {path}" + (f" as {revision}" if revision else "")
            targets.append((label, minor, pythons[minor], path, digest, revision))
    tables_text = subprocess.run([args.driver, "argparse", "--export-tables"], capture_output=True, text=True, check=True).stdout
    tables = json.loads(tables_text)
    cases = generate(tables, random.Random(args.seed), args.cases)
    lines = [json.dumps(case) for _, case in cases]
    print(f"  generated {len(cases)} cases in {time.monotonic() - started:.1f} s")
    expected = []
    for label, minor, python, path, _, _ in targets:
        with tempfile.TemporaryFile("w+") as worker_input:
            worker_input.write(json.dumps(tables) + "\n" + "\n".join(lines) + "\n")
            worker_input.seek(0)
            command = [python, "-I", "-c", WORKER, DATABASE_URL] if path is None else [python, "-I", "-c", LOADER + WORKER, DATABASE_URL, path]
            done = subprocess.run(command, stdin=worker_input, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        expected.append(json.loads(done.stdout))
    print(f"  CPython answered in {time.monotonic() - started:.1f} s")
    envlock_input = []
    for _, minor, _, _, _, revision in targets:
        for _, case in cases:
            extra = {"revision": revision} if revision else {}
            envlock_input.append(json.dumps(dict(case, minor=int(minor.split(".")[1]), **extra)))
    done = subprocess.run([args.driver, "argparse"], input="\n".join(envlock_input) + "\n", capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return 1
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    disagreements = 0
    per_target = []
    undetermined_ok = 0
    position = 0
    for (label, minor, python, path, _, _), answered in zip(targets, expected):
        bad = 0
        for (family, case), want in zip(cases, answered):
            got = answers[position]
            position += 1
            if "undetermined" in got:
                if family == "unicode_new":
                    undetermined_ok += 1
                    continue
                same = False
            elif got.get("status") != want["status"]:
                same = False
            elif want["status"] == 0 and "namespace" in want:
                same = got.get("namespace") == want["namespace"]
            elif not has_lone_surrogate(case["argv"]):
                same = got.get("message") == want["message"]
            else:
                same = True
            if not same:
                bad += 1
                if bad <= 15 or args.verbose:
                    print(f"DISAGREE {label} [{family}] {case['app']} {json.dumps(case['argv'])}\n  python:  {json.dumps(want)[:400]}\n  envlock: {json.dumps(got)[:400]}")
        per_target.append(bad)
        disagreements += bad
    for (label, minor, python, path, digest, revision), bad in zip(targets, per_target):
        loaded = "" if path is None else f" with {path}, sha256 {digest}" + (f", revision {revision}" if revision else "")
        print(f"  Python {minor} ({python}{loaded}): {len(cases)} cases, {bad} disagreements")
    families = {}
    for family, _ in cases:
        families[family] = families.get(family, 0) + 1
    print("  families: " + ", ".join(f"{name} {n}" for name, n in sorted(families.items())))
    print(f"  undetermined by design (unicode_new): {undetermined_ok}; {time.monotonic() - started:.1f} s")
    what = "interpreters" if not args.argparse_file else "argparse files"
    print(f"argparse differential: {len(cases)} cases x {len(targets)} {what}, {disagreements} disagreements")
    return 0 if disagreements == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
