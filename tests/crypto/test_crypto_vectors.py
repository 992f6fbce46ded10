"""Fixed test vectors: fail when the envelope, AAD or wrapped-key format changes.

The vectors in ``crypto_vectors.json`` were produced once and are committed.
If one of these tests fails, the stored format changed: existing ciphertexts
would no longer open. Introduce a new format version instead of editing them.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESGCMSIV

from allaboutme.crypto.aad import (
    RecordContext,
    encode_fields,
    record_aad,
    subject_key_aad,
    tenant_key_aad,
)
from allaboutme.crypto.envelope import open_envelope, parse_envelope, seal_envelope
from allaboutme.crypto.wrapping import unwrap_key, wrap_key

VECTORS = json.loads((Path(__file__).parent / "crypto_vectors.json").read_text("utf-8"))


def _ctx(data: dict[str, Any]) -> RecordContext:
    return RecordContext(**data)


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["name"] for case in cases]


@pytest.mark.parametrize("case", VECTORS["envelopes"], ids=_ids(VECTORS["envelopes"]))
def test_seal_with_fixed_inputs_gives_the_committed_bytes(case: dict[str, Any]) -> None:
    envelope = seal_envelope(
        bytes.fromhex(case["subject_key"]),
        case["key_version"],
        bytes.fromhex(case["plaintext"]),
        _ctx(case["context"]),
        wrap_algorithm=case["wrap_algorithm"],
        _data_key=bytes.fromhex(case["data_key"]),
        _wrap_nonce=bytes.fromhex(case["wrap_nonce"]),
        _nonce=bytes.fromhex(case["nonce"]),
    )
    assert envelope.hex() == case["envelope"]


@pytest.mark.parametrize("case", VECTORS["envelopes"], ids=_ids(VECTORS["envelopes"]))
def test_committed_envelopes_still_open(case: dict[str, Any]) -> None:
    parsed = parse_envelope(bytes.fromhex(case["envelope"]))
    plaintext = open_envelope(bytes.fromhex(case["subject_key"]), parsed, _ctx(case["context"]))
    assert plaintext.hex() == case["plaintext"]
    assert parsed.key_ref.version == case["key_version"]
    assert parsed.wrap_algorithm == case["wrap_algorithm"]


@pytest.mark.parametrize("case", VECTORS["envelopes"], ids=_ids(VECTORS["envelopes"]))
def test_documented_layout_rebuilt_by_hand_matches(case: dict[str, Any]) -> None:
    """Rebuild the envelope from the layout in envelope.py's docstring, with raw AEADs."""
    ctx = _ctx(case["context"])
    subject = (ctx.child_id or ctx.tenant_id).encode()
    kind = 1 if ctx.child_id else 2
    header = (
        b"AAM"
        + bytes([1, 1, case["wrap_algorithm"], kind])
        + struct.pack(">IH", case["key_version"], len(subject))
        + subject
    )
    context = record_aad(ctx, case["key_version"])
    wrap_cls = AESGCMSIV if case["wrap_algorithm"] == 1 else AESGCM
    wrap_nonce, nonce = bytes.fromhex(case["wrap_nonce"]), bytes.fromhex(case["nonce"])
    data_key = bytes.fromhex(case["data_key"])
    wrapped = wrap_cls(bytes.fromhex(case["subject_key"])).encrypt(
        wrap_nonce, data_key, encode_fields(b"data-key", header, context)
    )
    prefix = header + wrap_nonce + wrapped
    body = AESGCM(data_key).encrypt(
        nonce, bytes.fromhex(case["plaintext"]), encode_fields(b"data", prefix, context)
    )
    assert (prefix + nonce + body).hex() == case["envelope"]


@pytest.mark.parametrize("case", VECTORS["aad"], ids=_ids(VECTORS["aad"]))
def test_associated_data_is_stable(case: dict[str, Any]) -> None:
    if case["purpose"] == "record":
        produced = record_aad(_ctx(case["context"]), case["key_version"])
    elif case["purpose"] == "tenant_key":
        produced = tenant_key_aad(case["tenant_id"], case["version"], case["root_version"])
    else:
        produced = subject_key_aad(
            case["kind"],
            case["subject_id"],
            case["tenant_id"],
            case["key_version"],
            case["tenant_key_version"],
        )
    assert produced.hex() == case["aad"]


@pytest.mark.parametrize("case", VECTORS["wrapped_keys"], ids=_ids(VECTORS["wrapped_keys"]))
def test_wrapped_key_blobs_are_stable(case: dict[str, Any]) -> None:
    kek, key, aad = (bytes.fromhex(case[k]) for k in ("kek", "key", "aad"))
    blob = wrap_key(kek, key, aad, algorithm=case["algorithm"], _nonce=bytes.fromhex(case["nonce"]))
    assert blob.hex() == case["blob"]
    assert unwrap_key(kek, bytes.fromhex(case["blob"]), aad) == key


def test_vectors_cover_both_wrap_algorithms_and_both_subject_kinds() -> None:
    envelopes = VECTORS["envelopes"]
    assert {case["wrap_algorithm"] for case in envelopes} == {1, 2}
    assert {case["context"]["child_id"] is None for case in envelopes} == {True, False}
