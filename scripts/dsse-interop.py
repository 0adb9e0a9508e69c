#!/usr/bin/env python3
"""envlock's DSSE envelopes checked by the reference implementations from PyPI.

  dsse-interop.py verify ENVELOPE PUBLIC_KEY_PEM
      securesystemslib (dsse.Envelope, SSlibKey from the PEM) and in-toto
      (in_toto.models.metadata.Envelope.verify_signature) verify the envelope; the in-toto
      Statement v1 in it is checked field by field (a lock statement's subject digest is
      recomputed from its predicate). A copy with one payload byte changed must fail both.

  dsse-interop.py sign SOURCE_ENVELOPE PRIVATE_KEY_PEM OUT
      Builds a new statement over the lock in SOURCE_ENVELOPE (its predicate), written as
      ordinary indented JSON rather than envlock's canonical bytes, and signs it with
      securesystemslib's CryptoSigner, whose key id is securesystemslib's own, not envlock's.

Prints one line per check and exits non-zero on the first failure. Needs
securesystemslib[crypto] and in-toto (scripts/install-test-deps.sh installs them).
"""

import base64
import copy
import hashlib
import json
import sys

from cryptography.hazmat.primitives import serialization
from in_toto.models.metadata import Envelope as InTotoEnvelope
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner, SSlibKey

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
LOCK_PREDICATE = "https://envlock.dev/lock/v1"
VSA_PREDICATE = "https://slsa.dev/verification_summary/v1"


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def canonical(value):
    """RFC 8785 for what a lock holds (strings, booleans, null, arrays, objects with ASCII keys)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def public_key(pem_path):
    with open(pem_path, "rb") as handle:
        crypto_key = serialization.load_pem_public_key(handle.read())
    raw = crypto_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    # envlock's key id, recomputed here: lowercase hex SHA-256 of the 32 raw key bytes.
    return SSlibKey.from_crypto(crypto_key, keyid=hashlib.sha256(raw).hexdigest())


def verify_with_both(document, key):
    """Raises unless securesystemslib and in-toto both verify `document` with `key`."""
    envelope = Envelope.from_dict(copy.deepcopy(document))
    if envelope.payload_type != PAYLOAD_TYPE:
        fail("payloadType is %r" % envelope.payload_type)
    envelope.verify([key], 1)
    in_toto_key = dict(key.to_dict(), keyid=key.keyid)
    InTotoEnvelope.from_dict(copy.deepcopy(document)).verify_signature(in_toto_key)
    return envelope


def verify(envelope_path, pem_path):
    with open(envelope_path, "rb") as handle:
        document = json.loads(handle.read())
    key = public_key(pem_path)
    envelope = verify_with_both(document, key)
    print("securesystemslib: signature verified with key %s" % key.keyid)
    print("in-toto: signature verified")

    statement = json.loads(envelope.payload)
    if statement.get("_type") != STATEMENT_TYPE:
        fail("_type is %r" % statement.get("_type"))
    subjects = statement["subject"]
    if len(subjects) != 1:
        fail("%d subjects" % len(subjects))
    predicate_type = statement["predicateType"]
    if predicate_type == LOCK_PREDICATE:
        digest = hashlib.sha256(canonical(statement["predicate"])).hexdigest()
        if subjects[0]["digest"] != {"sha256": digest}:
            fail("subject digest %r, predicate hashes to %s" % (subjects[0]["digest"], digest))
        print("statement: lock %r, sha256 %s" % (subjects[0]["name"], digest))
    elif predicate_type == VSA_PREDICATE:
        predicate = statement["predicate"]
        for field in ("verifier", "timeVerified", "resourceUri", "policy", "verificationResult", "verifiedLevels"):
            if field not in predicate:
                fail("the verification summary has no %s" % field)
        if predicate["verificationResult"] not in ("PASSED", "FAILED"):
            fail("verificationResult %r" % predicate["verificationResult"])
        print("statement: verification summary %s, policy sha256 %s" % (predicate["verificationResult"], predicate["policy"]["digest"]["sha256"]))
    else:
        fail("predicateType %r" % predicate_type)

    # Neither library may accept the same envelope with one payload byte changed.
    payload = bytearray(envelope.payload)
    payload[len(payload) // 2] ^= 0x01
    tampered = dict(document, payload=base64.b64encode(bytes(payload)).decode("ascii"))
    for name, check in (
        ("securesystemslib", lambda: Envelope.from_dict(copy.deepcopy(tampered)).verify([key], 1)),
        ("in-toto", lambda: InTotoEnvelope.from_dict(copy.deepcopy(tampered)).verify_signature(dict(key.to_dict(), keyid=key.keyid))),
    ):
        try:
            check()
        except Exception:  # the library's verification error: what a changed payload must raise
            continue
        fail("%s accepted a changed payload" % name)
    print("tampered copy: refused by both")


def sign(source_path, private_pem_path, out_path):
    with open(source_path, "rb") as handle:
        source = Envelope.from_dict(json.loads(handle.read()))
    predicate = json.loads(source.payload)["predicate"]
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": predicate["profile"], "digest": {"sha256": hashlib.sha256(canonical(predicate)).hexdigest()}}],
        "predicateType": LOCK_PREDICATE,
        "predicate": predicate,
    }
    with open(private_pem_path, "rb") as handle:
        private_key = serialization.load_pem_private_key(handle.read(), password=None)
    signer = CryptoSigner(private_key)
    envelope = Envelope(json.dumps(statement, indent=2).encode("utf-8"), PAYLOAD_TYPE, {})
    envelope.sign(signer)
    with open(out_path, "w") as handle:
        json.dump(envelope.to_dict(), handle, indent=2)
    print("signed with securesystemslib key id %s" % signer.public_key.keyid)


def main(arguments):
    if len(arguments) == 3 and arguments[0] == "verify":
        verify(arguments[1], arguments[2])
    elif len(arguments) == 4 and arguments[0] == "sign":
        sign(arguments[1], arguments[2], arguments[3])
    else:
        print(__doc__)
        sys.exit(64)


if __name__ == "__main__":
    main(sys.argv[1:])
