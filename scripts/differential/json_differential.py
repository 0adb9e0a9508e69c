#!/usr/bin/env python3
"""Differential test of envlock's reading of JSON files (Probe's PythonJSON and PythonRepr)
against `json.load(open(path, "r", encoding="utf-8"))` in every CPython 3.10-3.13 found.

Usage: python3 scripts/differential/json_differential.py PATH/TO/envlock-differential
           [--seed N] [--cases N] [--show N]

Each generated case is a file's bytes, from a named family so that a failure reads as a
sentence ("numbers: leading zero `02`"). Every interpreter reads every case from a real file
(one subprocess per interpreter for all cases); the driver reads them all in one run. Rules:
- where the interpreters agree, envlock must give the same outcome: the same value (type,
  exact float bits, string code points, dict order) and the same repr(), or an error where
  Python raises;
- envlock may answer `undetermined` only for a case nested deeper than SAFE_DEPTH, or one
  holding an int longer than CPython's int_max_str_digits (4300: raises in 3.10.7+, read by
  3.10.0-3.10.6 and with PYTHONINTMAXSTRDIGITS=0), and these are counted and listed;
- where the interpreters disagree, envlock must answer `undetermined`;
- envlock may leave repr() undetermined (`?`) only for a value holding a character outside
  Latin-1 that is not a surrogate (its printability follows each version's Unicode tables).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ beside the script in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pythons import find_pythons  # noqa: E402

SAFE_DEPTH = 200  # PythonJSON.safeNestingDepth
INT_DIGIT_LIMIT = 4300  # PythonJSON.defaultIntDigitLimit

# Run inside each interpreter: reads hex cases on stdin, writes one line per case.
WORKER = r'''
import json, os, struct, sys, tempfile

def canonical(v):
    if v is None: return "N"
    if v is True: return "T"
    if v is False: return "F"
    t = type(v)
    if t is int: return "i%d" % v
    if t is float: return "f%016x" % struct.unpack("<Q", struct.pack("<d", v))[0]
    if t is str: return "s(" + ".".join("%x" % ord(c) for c in v) + ")"
    if t is list: return "l[" + ",".join(canonical(x) for x in v) + "]"
    if t is dict: return "d{" + ",".join(canonical(k) + ":" + canonical(x) for k, x in v.items()) + "}"
    raise TypeError(t)

def outcome(path):
    try:
        value = json.load(open(path, "r", encoding="utf-8"))
    except RecursionError:
        return "error\tRecursionError"
    except json.JSONDecodeError:
        return "error\tJSONDecodeError"
    except UnicodeDecodeError:
        return "error\tUnicodeDecodeError"
    except ValueError as error:
        if "integer string conversion" in str(error) and hasattr(sys, "set_int_max_str_digits"):
            old = sys.get_int_max_str_digits()
            sys.set_int_max_str_digits(0)
            try:
                json.load(open(path, "r", encoding="utf-8"))
                return "error\tValueError-intlimit"
            except Exception:
                pass
            finally:
                sys.set_int_max_str_digits(old)
        return "error\tValueError"
    except Exception as error:
        return "error\t" + type(error).__name__
    try:
        return "ok\t" + canonical(value) + "\t" + repr(value)
    except RecursionError:
        return "ok\tdeep\t!"

def main():
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "case.json")
    lines = []
    for line in sys.stdin.read().split("\n")[:-1]:
        with open(path, "wb") as f:
            f.write(bytes.fromhex(line))
        lines.append(outcome(path))
    os.remove(path)
    os.rmdir(folder)
    sys.stdout.buffer.write(("\n".join(lines) + "\n").encode("utf-8"))

main()
'''


class Case:
    def __init__(self, family: str, what: str, data: bytes):
        self.family, self.what, self.data = family, what, data

    def sentence(self) -> str:
        shown = self.data if len(self.data) <= 80 else self.data[:60] + b"..." + self.data[-12:]
        return "%s: %s %r (%d bytes)" % (self.family, self.what, shown, len(self.data))


def b(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


# ---------------------------------------------------------------------------------------------
# Named corner cases.

NUMBER_TEXTS = {
    "zero": "0", "negative zero int": "-0", "leading zero": "02", "negative leading zero": "-02",
    "double zero": "00", "trailing point": "2.", "negative trailing point": "-2.", "leading point": ".2",
    "negative leading point": "-.2", "plus sign": "+2", "two points": "1.2.3", "bare exponent": "1e",
    "upper exponent with plus": "1E+2", "exponent plus without digits": "1e+", "exponent minus without digits": "1e-",
    "exponent": "1e5", "upper exponent": "1E5", "negative exponent": "1.5e-3", "zero exponent": "0e0",
    "zero float": "0.0", "negative zero float": "-0.0", "negative zero exponent": "-0e0", "lone minus": "-",
    "double minus": "--1", "overflow to inf": "1e400", "overflow to -inf": "-1e400", "underflow to zero": "1e-400",
    "smallest subnormal": "4.9e-324", "below half subnormal": "2.4703282292062327e-324",
    "above half subnormal": "2.4703282292062328e-324", "largest subnormal": "2.2250738585072009e-308",
    "smallest normal": "2.2250738585072014e-308", "one tenth": "0.1", "0.1+0.2": "0.30000000000000004",
    "2^53+1 as int": "9007199254740993", "2^53+1 as float": "9007199254740993.0", "long int": "123456789012345678901234567890",
    "max float": "1.7976931348623157e308", "just past max float": "1.7976931348623159e308", "hex": "0x10",
    "underscore": "1_000", "arabic digit": "\u0661", "fullwidth digit": "\uff11", "point then exponent": "1.e5",
    "zero then point digits": "01.5", "exponent with leading zeros": "1e0005", "capital E minus": "1E-2",
    "int then letter": "1a", "float then point": "1.5.", "int max 64": "9223372036854775807",
    "int past 64": "18446744073709551616", "negative int past 64": "-18446744073709551617",
    "1e16": "1e16", "1e15": "1e15", "1e-4": "0.0001", "1e-5": "0.00001", "1e22": "1e22", "1e23": "1e23",
    "half ulp tie": "9007199254740993e0", "long zero fraction": "1." + "0" * 400,
    "long mantissa": "0." + "1234567890" * 80, "exponent huge": "1e99999999999999999999",
    "exponent huge negative": "1e-99999999999999999999", "zero huge exponent": "0e99999999999999999999",
}

CONSTANT_TEXTS = [
    "NaN", "-NaN", "+NaN", "nan", "NAN", "-nan", "Infinity", "-Infinity", "+Infinity", "infinity", "Inf", "-Inf",
    "inf", "NaNa", "Infinityy", "-Infinit", "Infinit", "NaN1", "[NaN,Infinity,-Infinity]", "{\"a\":NaN}",
    "- Infinity", "-NaN ", "true", "false", "null", "True", "False", "None", "nul", "tru", "fals", "truex", "null1",
    "[true,false,null]", "TRUE", "Null",
]

STRING_TEXTS = {
    "every simple escape": r'"\"\\\/\b\f\n\r\t"', "escaped solidus": r'"\/"', "bad escape a": r'"\a"',
    "bad escape x": r'"\x41"', "bad escape quote": r'"\'"', "bad escape zero": r'"\0"', "bad escape U": r'"\U0041"',
    "u without digits": r'"\u"', "u with two digits": r'"\u12"', "u with bad hex": r'"\u12g4"',
    "u with three digits then quote": r'"\u123"', "u upper hex": r'"\u00E9"', "u lower hex": r'"\u00e9"',
    "u null": r'"\u0000"', "surrogate pair": r'"\ud83d\ude00"', "upper surrogate pair": r'"\uD83D\uDE00"',
    "lone high surrogate": r'"\ud800"', "lone low surrogate": r'"\udc00"', "two high surrogates": r'"\ud800\ud800"',
    "low then high": r'"\udc00\ud800"', "high then text": r'"\ud800abc"', "high then newline escape": r'"\ud800\n"',
    "high then BMP escape": r'"\ud800\u0041"', "high then bad hex": r'"\ud800\udc0g"',
    "high then short escape": r'"\ud800\udc0"', "pair unterminated": r'"\ud800\udc00',
    "pair then one char": r'"\ud800\udc00x"', "high high low": r'"\ud800\ud800\udc00"',
    "high at end exactly": r'"\ud800\udc00"', "high then u at end": '"\\ud800\\u"', "unterminated": '"abc',
    "unterminated after backslash": '"abc\\', "empty": '""', "key surrogate": r'{"\ud800":1}',
    "raw DEL": '"a\x7fb"', "raw NBSP": '"a\u00a0b"', "raw e acute": '"caf\u00e9"', "raw CJK": '"\u4e2d\u6587"',
    "raw emoji": '"\U0001F600"', "raw line separator": '"\u2028"', "raw BOM in string": '"\ufeff"',
    "raw NEL": '"\u0085"', "raw soft hyphen": '"\u00ad"', "raw combining": '"e\u0301"', "raw private use": '"\ue000"',
    "raw noncharacter": '"\ufffe"', "raw max code point": '"\U0010FFFF"', "single quotes": "'abc'",
    "apostrophe and quote": '"it\'s \\"q\\""', "only apostrophe": '"it\'s"', "backslash": r'"a\\b"',
    "latin-1 printable": '"\u00a1\u00bf\u00ff"', "C1 control raw": '"\u0080\u009f"',
    "escaped control chars": r'"\u0001\u001f\u007f\u0080"',
}

INVALID_UTF8 = {
    "lone continuation byte": b"\x80", "overlong slash": b"\xc0\xaf", "overlong 2-byte C1": b"\xc1\xbf",
    "overlong 3-byte": b"\xe0\x80\x80", "overlong 3-byte max": b"\xe0\x9f\xbf", "encoded high surrogate": b"\xed\xa0\x80",
    "encoded low surrogate": b"\xed\xbf\xbf", "encoded surrogate pair": b"\xed\xa0\xbd\xed\xb8\x80",
    "last before surrogates": b"\xed\x9f\xbf", "first after surrogates": b"\xee\x80\x80",
    "overlong 4-byte": b"\xf0\x80\x80\x80", "overlong 4-byte max": b"\xf0\x8f\xbf\xbf", "past U+10FFFF": b"\xf4\x90\x80\x80",
    "U+10FFFF": b"\xf4\x8f\xbf\xbf", "lead F5": b"\xf5\x80\x80\x80", "byte FF": b"\xff", "byte FE": b"\xfe",
    "truncated 3-byte": b"\xe4\xb8", "truncated 4-byte": b"\xf0\x9f\x98", "lead then ASCII": b"\xc3A",
    "latin-1 e acute": b"\xe9", "CESU-8 emoji": b"\xed\xa0\xbd\xed\xb8\x80",
}

WHITESPACE = {
    "space": b" ", "tab": b"\t", "LF": b"\n", "CR": b"\r", "CRLF": b"\r\n", "form feed": b"\x0c",
    "vertical tab": b"\x0b", "NBSP": b"\xc2\xa0", "line separator": b"\xe2\x80\xa8", "ideographic space": b"\xe3\x80\x80",
    "NUL": b"\x00", "file separator": b"\x1c", "unit separator": b"\x1f", "NEL": b"\xc2\x85", "BOM": b"\xef\xbb\xbf",
    "zero width space": b"\xe2\x80\x8b",
}

STRUCTURE_TEXTS = {
    "trailing comma in array": "[1,]", "trailing comma in object": '{"a":1,}', "comma only array": "[,]",
    "double comma": "[1,,2]", "comma only object": "{,}", "two values": "1 2", "object then garbage": "{} x",
    "extra close": "[] ]", "two strings": '"a" "b"', "value then comma": "null,", "single-quoted key": "{'a':1}",
    "bare key": "{a:1}", "missing colon": '{"a" 1}', "missing value": '{"a":}', "int key": "{1:2}",
    "line comment": "// c\n1", "block comment": "/* c */1", "unclosed array": "[1,2", "unclosed object": '{"a":1',
    "mismatched close": "[1}", "mismatched close object": '{"a":1]', "empty array": "[]", "empty object": "{}",
    "spaced empty array": "[ \n\t\r ]", "spaced empty object": "{ \n }", "colon in array": "[1:2]",
    "nested empty": "[[],{},[{}]]", "object in array": '[{"a":[1,{"b":null}]}]', "double colon": '{"a"::1}',
    "key without value then close": '{"a"}', "array close then comma": "[1],", "just close": "]", "just comma": ",",
    "just colon": ":", "just quote": '"', "close brace": "}",
}

DUPLICATE_TEXTS = {
    "same key twice": '{"a":1,"a":2}', "key back after another": '{"a":1,"b":2,"a":3}',
    "three times": '{"a":1,"a":[2],"a":{"x":3}}', "escape spells same key": '{"a":1,"\\u0061":2}',
    "NFC and NFD keys differ": '{"\u00e9":1,"e\u0301":2}', "surrogate pair vs raw": '{"\U0001F600":1,"\\ud83d\\ude00":2}',
    "lone surrogate key twice": '{"\\ud800":1,"\\ud800":2}', "empty key twice": '{"":1,"":2}',
    "nested duplicates": '{"a":{"b":1,"b":2},"a":{"c":3}}',
    "many keys with duplicates": "{" + ",".join('"k%d":%d' % (i % 23, i) for i in range(60)) + "}",
}

CRLF_TEXTS = {
    "CRLF between tokens": b'{\r\n"a":\r1\r\n}', "CR in string": b'"a\rb"', "CRLF in string": b'"a\r\nb"',
    "LF in string": b'"a\nb"', "backslash CR LF": b'"\\\r\n"', "backslash CR": b'"\\\r"', "backslash LF": b'"\\\n"',
    "CR inside number": b"1\r2", "lone CR": b"\r", "CR around value": b"\r1\r", "CR CR LF": b"[1\r\r\n]",
    "CR after key": b'{"a"\r:\r\n2}',
}

FOOOCUS_CONFIG = {
    "path_checkpoints": ["../models/checkpoints/"], "path_loras": ["../models/loras/"],
    "path_outputs": "../outputs/", "default_model": "juggernautXL_v8Rundiffusion.safetensors",
    "default_refiner": "None", "default_refiner_switch": 0.5,
    "default_loras": [[True, "sd_xl_offset_example-lora_1.0.safetensors", 0.1], [True, "None", 1.0], [False, "None", 1.0]],
    "default_cfg_scale": 4.0, "default_sample_sharpness": 2.0, "default_sampler": "dpmpp_2m_sde_gpu",
    "default_scheduler": "karras", "default_performance": "Speed", "default_prompt": "",
    "default_prompt_negative": "", "default_styles": ["Fooocus V2", "Fooocus Enhance", "Fooocus Sharp"],
    "default_image_number": 2, "default_aspect_ratio": "1152*896", "default_max_lora_number": 5,
    "default_overwrite_step": -1, "default_overwrite_switch": -1, "default_clip_skip": 2,
    "checkpoint_downloads": {"juggernautXL_v8Rundiffusion.safetensors": "https://huggingface.co/lllyasviel/fav_models/resolve/main/fav/juggernautXL_v8Rundiffusion.safetensors"},
    "embeddings_downloads": {}, "lora_downloads": {"sd_xl_offset_example-lora_1.0.safetensors": "https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0/resolve/main/sd_xl_offset_example-lora_1.0.safetensors"},
    "available_aspect_ratios": ["704*1408", "704*1344", "768*1344", "1024*1024", "1152*896"],
    "default_advanced_checkbox": False, "default_save_metadata_to_images": True, "default_black_out_nsfw": False,
    "default_vae": "Default (model)", "default_adm_guidance": [1.5, 0.8, 0.3], "metadata_created_by": None,
}

STYLE_FILE = [
    {"name": "Fooocus Enhance", "negative_prompt": "(worst quality, low quality, normal quality, lowres, low details, oversaturated, undersaturated, overexposed, underexposed, grayscale, bw, bad photo, bad photography, bad art:1.4)"},
    {"name": "Fooocus Sharp", "prompt": "cinematic still {prompt} . emotional, harmonious, vignette, 4k epic detailed, shot on kodak, 35mm photo, sharp focus", "negative_prompt": "anime, cartoon, graphic, (blur, blurry, bokeh), text, painting"},
    {"name": "Fooocus Masterpiece", "prompt": "(masterpiece), (best quality), (ultra-detailed), {prompt}, illustration, disheveled hair, détaillé, « beau »"},
    {"name": "SAI 3D Model", "prompt": "professional 3d model {prompt} . octane render, highly detailed, volumetric, dramatic lighting", "negative_prompt": "ugly, deformed, noisy, low poly, blurry, painting"},
]

MUTATION_BYTES = b'{}[],:"\\ \t\n\r0123456789.eE+-tfnNI/\'\x00\x0c\x7f'


def mutate(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    """One random structural change to a realistic document, named."""
    data = bytearray(data)
    kind = rng.choice(["delete byte", "insert structural byte", "insert any byte", "replace byte", "duplicate span",
                       "truncate", "swap bytes", "corner number", "insert BOM", "insert CRLF", "trailing comma",
                       "single quote", "duplicate entry", "insert escape", "insert raw non-ASCII"])
    at = rng.randrange(len(data) + 1)
    if kind == "delete byte" and data:
        del data[min(at, len(data) - 1)]
    elif kind == "insert structural byte":
        data[at:at] = bytes([rng.choice(MUTATION_BYTES)])
    elif kind == "insert any byte":
        data[at:at] = bytes([rng.randrange(256)])
    elif kind == "replace byte" and data:
        data[min(at, len(data) - 1)] = rng.choice(MUTATION_BYTES)
    elif kind == "duplicate span":
        end = min(len(data), at + rng.randrange(1, 40))
        data[end:end] = data[at:end]
    elif kind == "truncate":
        data = data[:at]
    elif kind == "swap bytes" and len(data) > 1:
        i, j = rng.randrange(len(data)), rng.randrange(len(data))
        data[i], data[j] = data[j], data[i]
    elif kind == "corner number":
        digits = [i for i, c in enumerate(data) if chr(c).isdigit()]
        if digits:
            i = rng.choice(digits)
            data[i:i + 1] = b(rng.choice(list(NUMBER_TEXTS.values()) + CONSTANT_TEXTS[:12]))
    elif kind == "insert BOM":
        data[at:at] = b"\xef\xbb\xbf"
    elif kind == "insert CRLF":
        data[at:at] = rng.choice([b"\r\n", b"\r", b"\n"])
    elif kind == "trailing comma":
        closers = [i for i, c in enumerate(data) if c in b"]}"]
        if closers:
            i = rng.choice(closers)
            data[i:i] = b","
    elif kind == "single quote":
        quotes = [i for i, c in enumerate(data) if c == 0x22]
        if quotes:
            data[rng.choice(quotes)] = 0x27
    elif kind == "duplicate entry":
        commas = [i for i, c in enumerate(data) if c == 0x2C]
        if len(commas) > 1:
            i = rng.randrange(len(commas) - 1)
            data[commas[i]:commas[i]] = data[commas[i]:commas[i + 1]]
    elif kind == "insert escape":
        data[at:at] = b(rng.choice(["\\u", "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\x", "\\n", "\\", "\\u00e9"]))
    elif kind == "insert raw non-ASCII":
        data[at:at] = b(rng.choice(["\u00e9", "\u00a0", "\u2028", "\U0001F600", "\ufeff"]))
    return kind, bytes(data)


def random_value(rng: random.Random, depth: int = 0):
    """A random Python value that json.dumps can write."""
    roll = rng.random()
    if depth < 4 and roll < 0.25:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(5))]
    if depth < 4 and roll < 0.45:
        return {random_string(rng): random_value(rng, depth + 1) for _ in range(rng.randrange(5))}
    if roll < 0.6:
        return random_string(rng)
    if roll < 0.7:
        return rng.choice([True, False, None])
    if roll < 0.85:
        return rng.randrange(-10 ** rng.randrange(1, 30), 10 ** rng.randrange(1, 30))
    return random_float(rng)


def random_float(rng: random.Random) -> float:
    import struct
    choice = rng.random()
    if choice < 0.5:  # any bit pattern: every exponent, subnormals, repr's layout boundaries
        value = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
    elif choice < 0.8:
        value = rng.choice([1, -1]) * rng.randrange(1, 10 ** rng.randrange(1, 18)) * 10.0 ** rng.randrange(-25, 25)
    else:
        value = rng.choice([0.1, 0.5, 1.0, 4.0, 1.5, 2.0, 1e16, 1e15, 9999999999999998.0, 1e-4, 1e-5, 0.00011, -0.0, 123.456])
    return value


def random_string(rng: random.Random) -> str:
    pools = ["abcXYZ019 _-{}", "\"\\/'", "\x00\x01\x1f\x7f\t\n\r", "\u00e9\u00a0\u00ad\u00ff\u0085",
             "\u4e2d\u2028\ufeff\ue000", "\U0001F600\U0010FFFF", "\ud800\udc00\udbff"]
    return "".join(rng.choice(rng.choice(pools)) for _ in range(rng.randrange(8)))


def dump(rng: random.Random, value) -> bytes:
    text = json.dumps(value, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 0, 2, 4, "\t"]),
                      allow_nan=True, separators=rng.choice([None, (",", ":"), (" , ", " : ")]))
    return b(text)


def nested(depth: int, kind: str, inner: str = "1", tail: str = "") -> bytes:
    if kind == "array":
        return b("[" * depth + inner + "]" * depth + tail)
    if kind == "object":
        return b('{"k":' * depth + inner + "}" * depth + tail)
    opens = "".join("[" if i % 2 else '{"k":' for i in range(depth))
    closes = "".join("]" if i % 2 else "}" for i in reversed(range(depth)))
    return b(opens + inner + closes + tail)


def generate(seed: int, count: int) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    add = lambda family, what, data: cases.append(Case(family, what, data))  # noqa: E731

    for name, text in NUMBER_TEXTS.items():
        add("numbers", name, b(text))
        add("numbers in an array", name, b("[" + text + "]"))
        add("numbers as an object value", name, b('{"n": ' + text + "}"))
    for digits in (4299, 4300, 4301, 5000):
        body = "9" + "".join(rng.choice("0123456789") for _ in range(digits - 1))
        add("huge ints", "%d digits" % digits, b(body))
        add("huge ints", "negative, %d digits" % digits, b("-" + body))
        add("huge ints", "%d digits then a syntax error" % digits, b("[" + body + ",]"))
        add("huge ints", "%d digits as a float" % digits, b(body + ".5"))
    for text in CONSTANT_TEXTS:
        add("NaN, Infinity and keywords", text, b(text))
        add("NaN, Infinity and keywords in an array", text, b("[" + text + "]"))
    for name, text in STRING_TEXTS.items():
        add("strings", name, b(text))
        add("strings as a key", name, b("{" + text + ": 0}"))
    for byte in range(0x20):
        add("raw control characters", "U+%04X in a string" % byte, b'"a' + bytes([byte]) + b'b"')
    for name, raw in INVALID_UTF8.items():
        add("UTF-8", name + " in a string", b'"' + raw + b'"')
        add("UTF-8", name + " outside a string", b"[1," + raw + b"]")
        add("UTF-8", name + " after a syntax error", b"[1,,]" + raw)
    for prefix, name in ((b"\xef\xbb\xbf", "UTF-8 BOM"), (b"\xff\xfe", "UTF-16 LE BOM"), (b"\xfe\xff", "UTF-16 BE BOM")):
        for body in (b"{}", b"[1]", b'"x"', b""):
            add("BOM", "%s before %r" % (name, body), prefix + body)
    add("BOM", "BOM after a space", b" \xef\xbb\xbf{}")
    add("BOM", "BOM twice", b"\xef\xbb\xbf\xef\xbb\xbf{}")
    for name, space in WHITESPACE.items():
        add("whitespace", name + " before a value", space + b"1")
        add("whitespace", name + " after a value", b"[1]" + space)
        add("whitespace", name + " between tokens", b'{"a"' + space + b":" + space + b"[1" + space + b",2]}")
        add("whitespace", name + " alone", space)
    for name, text in STRUCTURE_TEXTS.items():
        add("structure", name, b(text))
    for name, text in DUPLICATE_TEXTS.items():
        add("duplicate keys", name, b(text))
    for name, data in CRLF_TEXTS.items():
        add("CR/LF", name, data)
    for text in ("", " ", "\n", "\r\n", "\t"):
        add("empty input", repr(text), b(text))
    for depth in (1, 2, 10, 100, 198, 199, 200, 201, 202, 250, 500, 999, 1000, 1001, 1500, 3000, 10000, 100000):
        for kind in ("array", "object", "mixed"):
            add("nesting", "%s depth %d" % (kind, depth), nested(depth, kind))
        add("nesting", "array depth %d, empty innermost" % depth, nested(depth, "array", inner=""))
        add("nesting", "array depth %d then extra data" % depth, nested(depth, "array", tail="x"))
        add("nesting", "array depth %d, unclosed" % depth, nested(depth, "array")[:-1])
        add("nesting", "array depth %d, trailing comma inside" % depth, nested(depth, "array", inner="1,"))
        add("nesting", "object depth %d, bad innermost key" % depth, nested(depth, "object", inner="{1:2}"))

    config = json.dumps(FOOOCUS_CONFIG, indent=4).encode()
    styles = json.dumps(STYLE_FILE, indent=4, ensure_ascii=False).encode()
    add("Fooocus documents", "config.txt as written", config)
    add("Fooocus documents", "style file as written", styles)
    while len(cases) < count:
        roll = rng.random()
        if roll < 0.45:
            base, label = rng.choice([(config, "config.txt"), (styles, "style file")])
            data = base
            kinds = []
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                kind, data = mutate(rng, data)
                kinds.append(kind)
            add("Fooocus document mutations", "%s with %s" % (label, ", ".join(kinds)), data)
        elif roll < 0.75:
            add("random values", "json.dumps of a random value", dump(rng, random_value(rng)))
        elif roll < 0.9:
            kind, data = mutate(rng, dump(rng, random_value(rng)))
            add("random value mutations", kind, data)
        else:
            add("random floats", "repr of a random float", b(repr(random_float(rng))))
    return cases


# ---------------------------------------------------------------------------------------------
# Running and comparing.

def max_depth(data: bytes) -> int:
    """Deepest nesting of [ and { outside strings (what CPython's recursion check counts)."""
    depth = deepest = 0
    in_string = escaped = False
    for c in data:
        if in_string:
            if escaped:
                escaped = False
            elif c == 0x5C:
                escaped = True
            elif c == 0x22:
                in_string = False
        elif c == 0x22:
            in_string = True
        elif c in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif c in (0x5D, 0x7D):
            depth -= 1
    return deepest


def needs_unicode_tables(canonical: str) -> bool:
    """Whether a canonical value holds a code point outside Latin-1 that is not a surrogate."""
    i = canonical.find("s(")
    while i >= 0:
        end = canonical.index(")", i)
        for point in canonical[i + 2:end].split("."):
            if point and int(point, 16) > 0xFF and not 0xD800 <= int(point, 16) <= 0xDFFF:
                return True
        i = canonical.find("s(", end)
    return False


def run(command: list[str], payload: str, what: str) -> list[str]:
    result = subprocess.run(command, input=payload.encode(), capture_output=True, timeout=600)
    if result.returncode != 0:
        sys.exit("%s exited %d: %s" % (what, result.returncode, result.stderr.decode(errors="replace")[-2000:]))
    lines = result.stdout.decode("utf-8").split("\n")[:-1]
    if len(lines) != payload.count("\n"):
        sys.exit("%s answered %d lines for %d cases" % (what, len(lines), payload.count("\n")))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("driver", help="the built envlock-differential")
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--cases", type=int, default=6000)
    parser.add_argument("--show", type=int, default=40, help="disagreements to print")
    options = parser.parse_args()

    pythons = find_pythons()
    if not pythons:
        print("json differential: no CPython 3.10-3.13 found", file=sys.stderr)
        return 2
    for minor, path in pythons.items():
        print("interpreter %s: %s" % (minor, path))

    cases = generate(options.seed, options.cases)
    payload = "".join(case.data.hex() + "\n" for case in cases)
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as worker:
        worker.write(WORKER)
    try:
        # One process per interpreter, all running at once, each reading every case.
        processes = {minor: subprocess.Popen([path, "-I", "-S", worker.name], stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                     for minor, path in pythons.items()}
        envlock = run([options.driver, "json"], payload, "envlock-differential json")
        reference: dict[str, list[str]] = {}
        for minor, process in processes.items():
            out, err = process.communicate(payload.encode(), timeout=600)
            if process.returncode != 0:
                sys.exit("python %s worker exited %d: %s" % (minor, process.returncode, err.decode(errors="replace")[-2000:]))
            reference[minor] = out.decode("utf-8").split("\n")[:-1]
            if len(reference[minor]) != len(cases):
                sys.exit("python %s answered %d lines for %d cases" % (minor, len(reference[minor]), len(cases)))
    finally:
        os.remove(worker.name)

    failures: list[str] = []
    excused: list[str] = []
    split_cases: list[str] = []
    answered_deep = 0
    tally = {"ok": 0, "error": 0, "repr undetermined": 0}
    families: dict[str, int] = {}
    for index, case in enumerate(cases):
        families[case.family] = families.get(case.family, 0) + 1
        mine = envlock[index].split("\t")
        theirs = {minor: lines[index].split("\t") for minor, lines in reference.items()}
        outcomes = {(t[0], t[1] if t[0] == "ok" else "") for t in theirs.values()}
        deep = max_depth(case.data) > SAFE_DEPTH or any(t[1] == "RecursionError" for t in theirs.values() if t[0] == "error")
        int_limit = any(t[0] == "error" and t[1] == "ValueError-intlimit" for t in theirs.values())
        where = case.sentence()
        if len(outcomes) > 1:
            summary = ", ".join("%s: %s" % (minor, t[0] + ("" if t[0] == "ok" else " " + t[1])) for minor, t in theirs.items())
            split_cases.append("%s [%s]" % (where, summary))
            if mine[0] != "undetermined":
                failures.append("%s: the interpreters disagree (%s), envlock answered %s" % (where, summary, mine[0]))
            continue
        kind, value = next(iter(outcomes))
        tally[kind] += 1
        if mine[0] == "undetermined":
            if deep or int_limit:
                excused.append("%s [%s]" % (where, "nested past %d" % SAFE_DEPTH if deep else "int past %d digits" % INT_DIGIT_LIMIT))
            else:
                failures.append("%s: Python gives %s, envlock refused to decide (%s)" % (where, kind, mine[1] if len(mine) > 1 else ""))
            continue
        if deep:
            answered_deep += 1
        if mine[0] != kind:
            failures.append("%s: Python gives %s%s, envlock %s%s" % (
                where, kind, "" if kind == "ok" else " (" + "/".join(sorted({t[1] for t in theirs.values()})) + ")",
                mine[0], " " + mine[1] if len(mine) > 1 else ""))
            continue
        if kind == "error":
            continue
        if mine[1] != value:
            failures.append("%s: Python builds %s, envlock %s" % (where, value[:300], mine[1][:300]))
            continue
        reprs = {t[2] for t in theirs.values()}
        if mine[2] == "?":
            tally["repr undetermined"] += 1
            if not needs_unicode_tables(value) and len(reprs) == 1 and "!" not in reprs:
                failures.append("%s: envlock left repr undetermined, Python prints %s" % (where, next(iter(reprs))[:300]))
        elif reprs != {mine[2]}:
            failures.append("%s: Python's repr is %s, envlock's %s" % (where, " / ".join(sorted(reprs))[:300], mine[2][:300]))

    print("families: " + ", ".join("%s %d" % item for item in sorted(families.items())))
    print("Python's outcomes where the interpreters agree: %(ok)d values, %(error)d errors; "
          "envlock left repr undetermined (characters outside Latin-1) for %(repr undetermined)d values" % tally)
    print("undetermined where allowed (%d):" % len(excused))
    for line in excused:
        print("  " + line)
    print("answered definitely although nested past %d (every version raises): %d" % (SAFE_DEPTH, answered_deep))
    print("cases where the interpreters disagree (%d), envlock must be undetermined:" % len(split_cases))
    for line in split_cases:
        print("  " + line)
    for line in failures[:options.show]:
        print("DISAGREEMENT " + line)
    if len(failures) > options.show:
        print("... and %d more" % (len(failures) - options.show))
    print("json differential: %d cases x %d interpreters, %d disagreements" % (len(cases), len(pythons), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
