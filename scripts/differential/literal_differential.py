#!/usr/bin/env python3
"""envlock's reading of `ast.literal_eval` against CPython's own, in every CPython 3.10-3.13 here.

Fooocus (`modules/extra_utils.py`, `try_eval_env_var`) runs `ast.literal_eval` on environment
values and keeps the raw text when it raises; envlock must read the same values
(`PythonLiteralEvaluator` in Sources/EnvLock/PythonSemantics/PythonLiteral.swift).

Usage: literal_differential.py PATH/TO/envlock-differential [--seed N] [--cases N] [--show N]

Cases come in named families, so that a failure reads as a sentence ("numbers: 4._0"). Each case
is the raw bytes of an environment value; every interpreter decodes them as os.environ does
(UTF-8, surrogateescape) and evaluates all cases in one subprocess; the driver answers all cases
in one run. envlock must agree with every interpreter on every case. envlock's `undetermined`
counts as agreement only where this script classifies the case as beyond envlock's documented
bounds (see `beyond_bounds`) or where the interpreters disagree among themselves; anywhere else
it is a false refusal, a defect like a wrong answer.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys

# No __pycache__ beside the script in the checkout.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pythons import find_pythons  # noqa: E402

# The documented bounds of PythonLiteralEvaluator (keep in step with the Swift constants).
MAXIMUM_DEPTH = 100
MAXIMUM_DECIMAL_DIGITS = 640

# Runs inside each interpreter: hex lines in, one serialized outcome per line out. Must match
# LiteralCases.serialize in Sources/envlock-differential/LiteralCases.swift.
CHILD = r'''
import ast, struct, sys, warnings
warnings.simplefilter("ignore")
limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else None

def bits(x):
    return "%016x" % struct.unpack("<Q", struct.pack("<d", x))[0]

def ser(v):
    t = type(v)
    if v is None: return "None"
    if v is Ellipsis: return "Ellipsis"
    if t is bool: return "bool:%s" % v
    if t is int: return "int:%d" % v
    if t is float: return "float:" + bits(v)
    if t is complex: return "complex:" + bits(v.real) + ":" + bits(v.imag)
    if t is str: return "str:" + ".".join("%x" % ord(c) for c in v)
    if t is bytes: return "bytes:" + v.hex()
    if t is list: return "list[" + ",".join(map(ser, v)) + "]"
    if t is tuple: return "tuple[" + ",".join(map(ser, v)) + "]"
    if t is set: return "set[" + ",".join(sorted(map(ser, v))) + "]"
    if t is dict: return "dict[" + ",".join(ser(k) + "=>" + ser(x) for k, x in v.items()) + "]"
    return "unexpected:" + t.__name__

out = []
for line in sys.stdin:
    text = bytes.fromhex(line.strip()).decode("utf-8", "surrogateescape")
    try:
        value = ast.literal_eval(text)
    except Exception:
        out.append("error")
        continue
    if limit is not None: sys.set_int_max_str_digits(0)
    try:
        out.append("value " + ser(value))
    finally:
        if limit is not None: sys.set_int_max_str_digits(limit)
sys.stdout.write("\n".join(out) + "\n")
'''


# ---------------------------------------------------------------- families

NAMED = [
    # The examples the job gate exists for.
    ("underscore-first float is a name", "_4.0"),
    ("underscore after the point", "4._0"),
    ("a string holding parentheses", "'()'"),
    ("the empty tuple", "()"),
    ("u prefix", "u'x'"),
    ("raw string keeps the backslash", r"r'\n'"),
    ("adjacent strings concatenate", "'a' 'b'"),
    ("trailing comment", "1 # c"),
    ("leading form feed", "\f1"),
    ("hex int", "0x1F"),
    ("complex sum", "1+2j"),
    ("negative complex difference", "-1-2j"),
    ("double minus", "--1"),
    ("plus on a bool", "+True"),
    ("PEP 515 underscores", "1_000"),
    ("double underscore", "1__000"),
    ("zero with underscore", "0_0"),
    ("leading zero", "01"),
    ("underscore in the exponent", "1e5_0"),
    ("double zero", "00"),
    ("trailing underscore", "1_"),
    ("Fooocus cfg", "4.0"),
    ("Fooocus style list", '["Fooocus V2", "Fooocus Enhance"]'),
    ("Fooocus lora list", '[[True, "x.safetensors", 0.5]]'),
    ("bare word", "Fooocus V2"),
    ("sampler name", "euler_ancestral"),
    ("dict key equality keeps the first key", "{1: 'a', True: 'b', 1.0: 'c'}"),
    ("set keeps the first element", "{True, 1, 1.0}"),
    ("list as a dict key", "{[1]: 2}"),
    ("set() call", "set()"),
    ("set() with spaces", "set ( )"),
    ("parenthesized set name", "(set)()"),
    ("empty braces are a dict", "{}"),
    ("bare tuple", "1, 2"),
    ("one-tuple", "(1,)"),
    ("bare one-tuple", "1,"),
    ("f-string", "f'x'"),
    ("bytes and str mixed", "b'a' 'b'"),
    ("bytes concatenated", "b'a' b'b'"),
    ("ur prefix", "ur'x'"),
    ("ellipsis", "..."),
    ("Ellipsis by name", "Ellipsis"),
    ("name", "none"),
    ("attribute", "(1).real"),
    ("subscript", "[1][0]"),
    ("call with an argument", "set([1])"),
    ("NUL byte", "1\x00"),
    ("NUL in a string", "'a\x00'"),
    ("backslash continuation", "1 \\\n+ 2j"),
    ("continuation at the end", "1 \\\n"),
    ("indented second line", "\n 1"),
    ("trailing spaces on a last line", "1\n  "),
    ("trailing spaces then newline", "1\n  \n"),
    ("octal escape over 0o377", r"'\777'"),
    ("octal escape in bytes", r"b'\400'"),
    ("invalid escape kept", r"'\d'"),
    ("\\N escape", r"'\N{DASH}'"),
    ("\\N escape in bytes is plain", r"b'\N{DASH}'"),
    ("lone surrogate escape", r"'\ud800'"),
    ("U escape past the range", r"'\U00110000'"),
    ("truncated x escape", r"'\x4'"),
    ("non-ASCII in bytes", "b'\u00e9'"),
    ("float overflow is inf", "1e400"),
    ("negative imaginary overflow", "-1e400j"),
    ("int plus imaginary with a huge int", "1" + "0" * 400 + "+1j"),
    ("imaginary with leading zeros", "01j"),
    ("float with leading zeros", "01.5"),
    ("BOM", "\ufeff1"),
    ("fullwidth set()", "\uff53\uff45\uff54()"),
    ("long s set()", "\u017fet()"),
    ("non-breaking space", "\u00a01"),
    ("vertical tab", "\v1"),
    ("CR line ends", "[1,\r2]"),
    ("CR in a short string", "'a\rb'"),
    ("CR LF in a long string", "'''a\r\nb'''"),
    ("coding cookie is ignored", "# coding: latin-1\n'\u00e9'"),
    ("minus zero plus zero j", "-0.0+0j"),
    ("minus zero minus zero j", "-0.0-0j"),
    ("int and float keys past 2**53", "{9007199254740993: 1, 9007199254740992.0: 2}"),
    ("equal int and float keys past 2**53", "{9007199254740992: 1, 9007199254740992.0: 2}"),
    ("complex key equal to an int", "{1: 'a', 1+0j: 'b'}"),
    ("tuple keys by value", "{(1, 2): 'a', (1.0, 2): 'b'}"),
    ("unhashable inside a tuple key", "{(1, [2]): 3}"),
    ("minus zero and zero keys", "{-0.0: 1, 0: 2, False: 3}"),
]

ALPHABET = ["1", "0", "00", "01", "1_0", "_", "1.", ".5", "1e5", "e", "j", "0x1F", "0o7", "0b1", "+", "-",
            "(", ")", "[", "]", "{", "}", ",", ":", " ", "\t", "\n", "\\\n", "#c\n", "# c", "\f", "'a'",
            '"b"', "b'x'", r"r'\n'", "u'y'", "f'z'", "'''t'''", "True", "False", "None", "set", "()",
            "...", ".", "x", "'", "\\", "\r", "\r\n", "\u00e9", r"'\x41'", "*", "=", ";", "1j", "2.5e-3"]

FOOOCUS = ['["a", "b"]', '[[True, "x.safetensors", 0.5]]', "4.0", "Fooocus V2", "euler_ancestral",
           "7", "True", "false", "None", "'Extreme Speed'", '["Fooocus V2", "Fooocus Enhance", "Fooocus Sharp"]',
           "[['None', 1.0], ['None', 1.0]]", "1152*896", '{"a": 1}', "(1024, 1024)", "-1", "0.5", "1e-3",
           "'C:\\\\models\\\\checkpoints'", "models/checkpoints", "[\"../models/loras\"]", "3.0", "30", "'sdxl'"]

STRING_PREFIXES = ["", "r", "u", "b", "br", "rb", "R", "U", "B", "bR", "Rb", "BR", "f", "ur", "rf", "x", "uR"]
STRING_QUOTES = ["'", '"', "'''", '"""']
STRING_BODY = ["a", "\\", "'", '"', "\n", "\\n", "\\x4", "\\x41", "\\xff", "\\u00e9", "\\u12", "\\U0001F600",
               "\\U00110000", "\\777", "\\400", "\\0", "\\08", "\\8", "\\N{DASH}", "\\N", "\u00e9", "\U0001F600",
               "\\\n", "\r", "{", "}", "\t", "\x7f", "\\d", "\\'", '\\"', "\\\\", " ", "\\a\\b\\f\\v\\t\\r"]

NUMBER_ALPHABET = "0123456789_.eEjJxXoObBaAfF+-"

WHITESPACE = [" ", "\t", "\n", "\f", "# c\n", "# c", "\\\n", "\r\n", "\n  ", "\n\n", " \\\n ", "\r", "\n\t# x\n"]


def named_family():
    return [("named", name, text) for name, text in NAMED]


def number_family(rng, count):
    cases = []
    for _ in range(count):
        text = "".join(rng.choice(NUMBER_ALPHABET) for _ in range(rng.randint(1, 7)))
        cases.append(("numbers", "number-like %r" % text, text))
    for body in ["0", "1", "9", "00", "0_0", "1_0", "10", "0x1", "0o7", "0b1", "0xf_f", "1.5", "1e5", "1j", "0.0"]:
        for sign in ["", "-", "+", "--", "- ", "+-"]:
            for tail in ["", "j", "J", "e1", "_", ".", "0", "x"]:
                text = sign + body + tail
                cases.append(("numbers", "signed %r" % text, text))
    return cases


def string_family(rng, count):
    cases = []
    for _ in range(count):
        prefix = rng.choice(STRING_PREFIXES)
        quote = rng.choice(STRING_QUOTES)
        body = "".join(rng.choice(STRING_BODY) for _ in range(rng.randint(0, 4)))
        text = prefix + quote + body + quote
        if rng.random() < 0.3:
            text += rng.choice([" ", "", "\n", "\\\n"]) + rng.choice(STRING_PREFIXES) + rng.choice(STRING_QUOTES[:2]) + "z" + quote[0]
        cases.append(("strings", "string %r" % text, text))
    return cases


def random_value(rng, depth):
    """The text of a random literal (mostly valid) with varied spelling."""
    kind = rng.randrange(14 if depth > 0 else 9)
    if kind == 0:
        return rng.choice(["0", "1", "42", "007", "0_0", "1_000", "0x1F", "0XfF", "0o17", "0b1_01", "-5", "+3",
                           "12345678901234567890123", "9007199254740993"])
    if kind == 1:
        return rng.choice(["1.5", "-0.0", "0.", ".25", "1e-3", "1E+5", "4.0", "1_0.0_1", "1e400", "2.5e-308",
                           "9007199254740992.0", "1e16", "0.1"])
    if kind == 2:
        return rng.choice(["1j", "2.5J", "-1j", "1+2j", "-1-2j", "0j", "1.5-0j", "-0.0+0j", "(1+2j)"])
    if kind == 3:
        return rng.choice(["True", "False", "None", "...", "set()"])
    if kind in (4, 5, 6):
        prefix = rng.choice(["", "", "", "r", "u", "R"])
        quote = rng.choice(["'", '"', "'''"])
        body = "".join(rng.choice(["a", "b", " ", "\u00e9", "\\n", "\\x41", "\\u00e9", "\\t", "x.safetensors", "\\d"])
                       for _ in range(rng.randint(0, 3)))
        return prefix + quote + body + quote
    if kind == 7:
        return rng.choice(["b'x'", "b''", "br'\\n'", "b'\\xff\\0'"])
    if kind == 8:
        return rng.choice(["'a' 'b'", "u'x' 'y'", "b'a' b'b'"])
    sep = rng.choice([", ", ",", " , ", ",\n", ", # c\n", ",\\\n"])
    items = [random_value(rng, depth - 1) for _ in range(rng.randint(0, 3))]
    trailing = rng.choice(["", "", ","])
    if kind in (9, 10):
        return "[" + sep.join(items) + (trailing if items else "") + "]"
    if kind == 11:
        if len(items) == 1:
            return "(" + items[0] + ",)"
        return "(" + sep.join(items) + (trailing if items else "") + ")"
    if kind == 12:
        if not items:
            return "set()"
        return "{" + sep.join(items) + trailing + "}"
    keys = [random_value(rng, 0) for _ in items]
    return "{" + sep.join(k + rng.choice([": ", ":", " :\n"]) + v for k, v in zip(keys, items)) + (trailing if items else "") + "}"


def value_family(rng, count):
    cases = []
    for _ in range(count):
        text = random_value(rng, rng.randint(0, 3))
        if rng.random() < 0.2:
            text = text + rng.choice([", ", ","]) + random_value(rng, 1)
        cases.append(("values", "value %r" % text, text))
    return cases


def mutate(rng, text):
    choice = rng.randrange(5)
    position = rng.randint(0, len(text))
    if choice == 0 and text:
        position = min(position, len(text) - 1)
        return text[:position] + text[position + 1:]
    if choice == 1:
        return text[:position] + rng.choice(ALPHABET) + text[position:]
    if choice == 2 and text:
        position = min(position, len(text) - 1)
        return text[:position] + text[position] + text[position:]
    if choice == 3:
        return text[:position] + rng.choice(WHITESPACE) + text[position:]
    return rng.choice(["_", "-", "+", "(", "'", " ", "\\\n", "\f", "u", "b", "r"]) + text


def fooocus_family(rng, count):
    cases = [("fooocus", "override %r" % text, text) for text in FOOOCUS]
    for _ in range(count):
        base = rng.choice(FOOOCUS)
        text = base
        for _ in range(rng.randint(1, 2)):
            text = mutate(rng, text)
        cases.append(("fooocus", "override %r mutated to %r" % (base, text), text))
    return cases


def soup_family(rng, count):
    cases = []
    for _ in range(count):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 8)))
        cases.append(("soup", "token soup %r" % text, text))
    return cases


def whitespace_family(rng, count):
    cases = []
    bases = ["1", "'a'", "[1, 2]", "(1,)", "{1: 2}", "-1", "1+2j", "True", "1, 2", "set()"]
    for base in bases:
        for space in WHITESPACE:
            for placed in (space + base, base + space, space + base + space):
                cases.append(("whitespace", "%r around %r" % (space, base), placed))
    for _ in range(count):
        base = rng.choice(bases)
        pieces = re.split(r"(\W)", base)
        position = rng.randint(0, len(pieces))
        pieces.insert(position, rng.choice(WHITESPACE))
        if rng.random() < 0.5:
            pieces.insert(rng.randint(0, len(pieces)), rng.choice(WHITESPACE))
        text = "".join(pieces)
        cases.append(("whitespace", "spaced %r" % text, text))
    return cases


def bounds_family():
    cases = []
    for depth in (1, 50, 99, 100, 101, 150, 199, 200, 201):
        cases.append(("bounds", "%d nested lists" % depth, "[" * depth + "]" * depth))
        cases.append(("bounds", "%d nested parentheses" % depth, "(" * depth + "1" + ")" * depth))
        cases.append(("bounds", "%d nested one-tuples" % depth, "(" * depth + "1" + ",)" * depth))
        cases.append(("bounds", "%d nested dicts" % depth, "{1:" * depth + "1" + "}" * depth))
        cases.append(("bounds", "%d unclosed lists" % depth, "[" * depth))
    for digits in (1, 300, 639, 640, 641, 700, 4300, 4301):
        number = "1" + "0" * (digits - 1)
        cases.append(("bounds", "a %d-digit decimal int" % digits, number))
        cases.append(("bounds", "a negative %d-digit int" % digits, "-" + number))
        cases.append(("bounds", "a %d-digit int with underscores" % digits, "_".join(number[i:i + 3] for i in range(0, len(number), 3))))
        cases.append(("bounds", "a %d-digit float" % digits, number + ".5"))
        cases.append(("bounds", "a %d-digit hex int" % digits, "0x" + "f" * digits))
    cases.append(("bounds", "5000 zeros", "0" * 5000))
    cases.append(("bounds", "a long flat list", "[" + ", ".join(str(i) for i in range(3000)) + "]"))
    cases.append(("bounds", "a long sum chain", "+".join(["1"] * 3000)))
    cases.append(("bounds", "a long sign chain", "-" * 3000 + "1"))
    return cases


def bytes_family():
    raw = [b"\xff", b"'\xff'", b"'\xc3'", b"'\xed\xa0\x80'", b"1\x80", b"\xc0\xaf", b"'\xc3\xa9'", b"b'\xc3\xa9'",
           b"'\xf4\x90\x80\x80'", b"'\xf0\x9f\x98\x80'", b"# \xff\n1", b"1 # \xff", b"\xef\xbb\xbf1", b"[1, '\xe2\x82\xac']"]
    return [("bytes", "raw bytes %r" % value, value) for value in raw]


def build_cases(seed, count):
    rng = random.Random(seed)
    share = max(count // 7, 1)
    cases = named_family() + bounds_family() + bytes_family()
    cases += number_family(rng, share)
    cases += string_family(rng, share)
    cases += value_family(rng, share * 2)
    cases += fooocus_family(rng, share)
    cases += soup_family(rng, share)
    cases += whitespace_family(rng, share)
    encoded = []
    for family, name, text in cases:
        data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
        encoded.append((family, name, data))
    return encoded


def beyond_bounds(data):
    """Why envlock may answer `undetermined` for this case, or None. Deliberately coarse (it also
    counts brackets and digits inside strings): it may excuse a case envlock could have read, never
    the reverse."""
    text = data.decode("utf-8", "surrogateescape")
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    if deepest > MAXIMUM_DEPTH:
        return "brackets deeper than %d" % MAXIMUM_DEPTH
    for run in re.findall(r"[0-9][0-9_]*", text):
        if len(run.replace("_", "").lstrip("0")) > MAXIMUM_DECIMAL_DIGITS:
            return "a decimal int over %d digits" % MAXIMUM_DECIMAL_DIGITS
    if "\\N" in text:
        return "a \\N{} escape"
    if any(ord(char) > 127 for char in text) and "(" in text:
        return "a non-ASCII name that may be set"
    return None


def run_interpreter(python, cases):
    feed = "".join(data.hex() + "\n" for _, _, data in cases)
    result = subprocess.run([python, "-c", CHILD], input=feed, capture_output=True, text=True, timeout=300,
                            env={"PATH": os.environ.get("PATH", ""), "PYTHONIOENCODING": "utf-8"})
    if result.returncode != 0:
        sys.exit("%s failed (%d): %s" % (python, result.returncode, result.stderr[-2000:]))
    lines = result.stdout.split("\n")[:-1]
    if len(lines) != len(cases):
        sys.exit("%s answered %d lines for %d cases" % (python, len(lines), len(cases)))
    return lines


def run_driver(driver, cases):
    feed = "".join(data.hex() + "\n" for _, _, data in cases)
    result = subprocess.run([driver, "literal"], input=feed, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        sys.exit("%s literal failed (%d): %s" % (driver, result.returncode, result.stderr[-2000:]))
    lines = result.stdout.split("\n")[:-1]
    if len(lines) != len(cases):
        sys.exit("the driver answered %d lines for %d cases" % (len(lines), len(cases)))
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("driver", help="the built envlock-differential binary")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--cases", type=int, default=6000, help="generated cases beside the fixed families")
    parser.add_argument("--show", type=int, default=40, help="disagreements to print")
    arguments = parser.parse_args()

    pythons = find_pythons()
    if not pythons:
        print("literal differential: no CPython 3.10-3.13 found (pyenv versions or python3.X on PATH)")
        return 2
    for minor, path in sorted(pythons.items()):
        print("interpreter %s: %s" % (minor, path))

    cases = build_cases(arguments.seed, arguments.cases)
    answers = {minor: run_interpreter(path, cases) for minor, path in sorted(pythons.items())}
    envlock = run_driver(arguments.driver, cases)

    failures = []
    excused = split = 0
    for index, (family, name, data) in enumerate(cases):
        outcomes = {minor: lines[index] for minor, lines in answers.items()}
        mine = envlock[index]
        distinct = set(outcomes.values())
        if len(distinct) > 1:
            split += 1
            if mine.startswith("undetermined"):
                continue
            failures.append((family, name, data, "interpreters disagree (%s); envlock must refuse, said %s"
                             % ("; ".join("%s: %s" % item for item in sorted(outcomes.items())), mine)))
            continue
        python = distinct.pop()
        if mine == python:
            continue
        if mine.startswith("undetermined"):
            reason = beyond_bounds(data)
            if reason:
                excused += 1
                continue
            failures.append((family, name, data, "envlock refused (%s) where every CPython says %s" % (mine, python)))
            continue
        failures.append((family, name, data, "envlock says %s, CPython says %s" % (mine, python)))

    for family, name, data, why in failures[:arguments.show]:
        print("DISAGREE %s: %s [hex %s]: %s" % (family, name, data.hex()[:120], why))
    if len(failures) > arguments.show:
        print("... and %d more" % (len(failures) - arguments.show))
    families = {}
    for family, _, _, _ in failures:
        families[family] = families.get(family, 0) + 1
    if families:
        print("disagreements by family: " + ", ".join("%s %d" % item for item in sorted(families.items())))
    print("undetermined beyond the documented bounds: %d; cases where the interpreters disagree: %d" % (excused, split))
    print("literal differential: %d cases x %d interpreters, %d disagreements" % (len(cases), len(pythons), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
