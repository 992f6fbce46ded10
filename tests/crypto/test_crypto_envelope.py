"""The envelope and its associated data, without a key store (pure, fast)."""

from __future__ import annotations

import dataclasses
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allaboutme.crypto import CryptoError, DecryptionError, EnvelopeError, RecordContext
from allaboutme.crypto.aad import encode_fields, record_aad, subject_key_aad
from allaboutme.crypto.envelope import (
    MIN_ENVELOPE_BYTES,
    open_envelope,
    parse_envelope,
    seal_envelope,
)
from allaboutme.crypto.wrapping import (
    WRAP_AES_256_GCM,
    WRAP_AES_256_GCM_SIV,
    gcm_siv_available,
    preferred_wrap_algorithm,
    unwrap_key,
    wrap_key,
)

SETTINGS = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
KEY = bytes(range(32))
ids = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)
contexts = st.builds(
    RecordContext,
    tenant_id=ids,
    table=ids,
    field=ids,
    row_id=ids,
    version=st.integers(min_value=0, max_value=2**63 - 1),
    child_id=st.none() | ids,
)
CTX = RecordContext("la-1", "profile_sections", "body", "row-1", 1, "child-1")


def _open(envelope: bytes, ctx: RecordContext, key: bytes = KEY) -> bytes:
    return open_envelope(key, parse_envelope(envelope), ctx)


@SETTINGS
@given(plaintext=st.binary(max_size=4096), ctx=contexts, key_version=st.integers(1, 2**32 - 1))
def test_round_trip_is_exact(plaintext: bytes, ctx: RecordContext, key_version: int) -> None:
    envelope = seal_envelope(KEY, key_version, plaintext, ctx)
    assert _open(envelope, ctx) == plaintext


@SETTINGS
@given(plaintext=st.binary(max_size=256), data=st.data())
def test_any_flipped_byte_is_rejected(plaintext: bytes, data: st.DataObject) -> None:
    envelope = bytearray(seal_envelope(KEY, 1, plaintext, CTX))
    index = data.draw(st.integers(0, len(envelope) - 1))
    envelope[index] ^= data.draw(st.integers(1, 255))
    with pytest.raises(CryptoError):
        _open(bytes(envelope), CTX)


def test_every_single_bit_flip_is_rejected() -> None:
    envelope = seal_envelope(KEY, 1, b"my favourite colour is green", CTX)
    for index in range(len(envelope)):
        for bit in range(8):
            tampered = bytearray(envelope)
            tampered[index] ^= 1 << bit
            with pytest.raises(CryptoError):
                _open(bytes(tampered), CTX)


@SETTINGS
@given(ctx=contexts, other=contexts)
def test_opening_in_another_context_is_rejected(ctx: RecordContext, other: RecordContext) -> None:
    envelope = seal_envelope(KEY, 1, b"secret", ctx)
    if other == ctx:
        assert _open(envelope, other) == b"secret"
    else:
        with pytest.raises(DecryptionError):
            _open(envelope, other)


@SETTINGS
@given(
    name=st.sampled_from(["tenant_id", "table", "field", "row_id", "version", "child_id"]),
    value=ids,
)
def test_changing_any_one_context_field_is_rejected(name: str, value: str) -> None:
    replacement: object = len(value) + 2 if name == "version" else value
    other = dataclasses.replace(CTX, **{name: replacement})
    envelope = seal_envelope(KEY, 1, b"secret", CTX)
    if other == CTX:
        return
    with pytest.raises(DecryptionError):
        _open(envelope, other)


def test_child_record_cannot_be_opened_as_a_tenant_record() -> None:
    envelope = seal_envelope(KEY, 1, b"secret", CTX)
    with pytest.raises(DecryptionError):
        _open(envelope, dataclasses.replace(CTX, child_id=None))


def test_wrong_subject_key_and_wrong_key_version_are_rejected() -> None:
    envelope = seal_envelope(KEY, 1, b"secret", CTX)
    with pytest.raises(DecryptionError):
        _open(envelope, CTX, key=os.urandom(32))
    rebuilt = bytearray(envelope)
    rebuilt[10] = 2  # subject key version 1 -> 2, an otherwise valid header
    with pytest.raises(DecryptionError):
        _open(bytes(rebuilt), CTX)


@pytest.mark.parametrize("length", [0, 1, 3, 10, MIN_ENVELOPE_BYTES - 1])
def test_truncated_envelopes_fail_closed(length: int) -> None:
    envelope = seal_envelope(KEY, 1, b"secret", CTX)
    with pytest.raises(EnvelopeError):
        parse_envelope(envelope[:length])


def test_every_truncation_is_rejected() -> None:
    envelope = seal_envelope(KEY, 1, b"secret", CTX)
    for length in range(len(envelope)):
        with pytest.raises(CryptoError):
            _open(envelope[:length], CTX)
    with pytest.raises(CryptoError):
        _open(envelope + b"\x00", CTX)


@pytest.mark.parametrize(
    ("index", "value", "message"),
    [
        (0, ord("X"), "not an allaboutme envelope"),
        (3, 2, "unknown envelope format version"),
        (4, 9, "unknown data algorithm"),
        (5, 9, "unknown key wrap algorithm"),
        (6, 9, "unknown subject kind"),
    ],
)
def test_unknown_versions_and_algorithms_fail_closed(index: int, value: int, message: str) -> None:
    envelope = bytearray(seal_envelope(KEY, 1, b"secret", CTX))
    envelope[index] = value
    with pytest.raises(EnvelopeError, match=message):
        parse_envelope(bytes(envelope))


def test_not_bytes_is_an_envelope_error() -> None:
    with pytest.raises(EnvelopeError):
        parse_envelope("AAM...")  # type: ignore[arg-type]


def test_each_seal_uses_a_fresh_data_key_and_nonce() -> None:
    first = parse_envelope(seal_envelope(KEY, 1, b"same", CTX))
    second = parse_envelope(seal_envelope(KEY, 1, b"same", CTX))
    assert first.wrapped_key != second.wrapped_key
    assert first.nonce != second.nonce
    assert first.ciphertext != second.ciphertext


def test_gcm_siv_is_preferred_when_available_and_gcm_also_opens() -> None:
    expected = WRAP_AES_256_GCM_SIV if gcm_siv_available() else WRAP_AES_256_GCM
    assert preferred_wrap_algorithm() == expected
    for algorithm in (WRAP_AES_256_GCM, expected):
        envelope = seal_envelope(KEY, 1, b"x", CTX, wrap_algorithm=algorithm)
        assert parse_envelope(envelope).wrap_algorithm == algorithm
        assert _open(envelope, CTX) == b"x"


@SETTINGS
@given(
    owner=st.tuples(st.sampled_from(["child", "tenant"]), ids, ids),
    other=st.tuples(st.sampled_from(["child", "tenant"]), ids, ids),
)
def test_a_wrapped_key_moved_to_another_owner_does_not_unwrap(
    owner: tuple[str, str, str], other: tuple[str, str, str]
) -> None:
    key = os.urandom(32)
    blob = wrap_key(KEY, key, subject_key_aad(*owner, 1, 1))
    if other == owner:
        assert unwrap_key(KEY, blob, subject_key_aad(*other, 1, 1)) == key
    else:
        with pytest.raises(DecryptionError):
            unwrap_key(KEY, blob, subject_key_aad(*other, 1, 1))


def test_wrapped_key_blob_fails_closed() -> None:
    blob = wrap_key(KEY, os.urandom(32), b"aad")
    for bad in (blob[:-1], blob + b"\x00", b"\x02" + blob[1:], blob[:1] + b"\x09" + blob[2:]):
        with pytest.raises(EnvelopeError):
            unwrap_key(KEY, bad, b"aad")
    with pytest.raises(DecryptionError):
        unwrap_key(KEY, blob, b"other aad")


class TestAssociatedData:
    def test_is_length_prefixed_so_boundaries_cannot_shift(self) -> None:
        assert encode_fields(b"l", b"ab", b"c") != encode_fields(b"l", b"a", b"bc")
        left = RecordContext("t", "ab", "c", "r", 1, "k")
        right = RecordContext("t", "a", "bc", "r", 1, "k")
        assert record_aad(left, 1) != record_aad(right, 1)

    def test_names_the_key_version(self) -> None:
        assert record_aad(CTX, 1) != record_aad(CTX, 2)

    def test_tenant_record_differs_from_child_named_like_the_tenant(self) -> None:
        tenant_record = RecordContext("la-1", "t", "f", "r", 1, None)
        child_record = RecordContext("la-1", "t", "f", "r", 1, "la-1")
        assert record_aad(tenant_record, 1) != record_aad(child_record, 1)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"tenant_id": ""},
            {"table": ""},
            {"row_id": "x" * 256},
            {"child_id": ""},
            {"version": -1},
            {"version": 2**63},
            {"version": True},
            {"version": "1"},
            {"field": "\ud800"},
        ],
    )
    def test_rejects_unusable_contexts(self, kwargs: dict[str, object]) -> None:
        values: dict[str, object] = {
            "tenant_id": "t",
            "table": "tb",
            "field": "f",
            "row_id": "r",
            "version": 1,
            "child_id": "c",
        }
        with pytest.raises(ValueError):
            RecordContext(**{**values, **kwargs})  # type: ignore[arg-type]

    def test_context_is_frozen_and_names_its_subject(self) -> None:
        with pytest.raises(dataclasses.FrozenInstanceError):
            CTX.row_id = "other"  # type: ignore[misc]
        assert (CTX.subject_kind, CTX.subject_id) == ("child", "child-1")
        tenant = dataclasses.replace(CTX, child_id=None)
        assert (tenant.subject_kind, tenant.subject_id) == ("tenant", "la-1")
