"""Password hashing, Ed25519 signing and tokens."""

from __future__ import annotations

import statistics
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

from allaboutme.crypto import (
    DEFAULT_PARAMS,
    Argon2Params,
    CryptoError,
    constant_time_equal,
    dummy_verify,
    generate_signing_keypair,
    hash_secret,
    needs_rehash,
    new_token,
    public_pem_for,
    sign,
    token_digest,
    token_matches,
    verify,
    verify_secret,
)

PEPPER = "a-pepper-kept-outside-the-database"


class TestPasswords:
    def test_defaults_follow_the_security_design(self) -> None:
        assert (DEFAULT_PARAMS.time_cost, DEFAULT_PARAMS.memory_cost_kib) == (3, 64 * 1024)
        assert DEFAULT_PARAMS.parallelism == 1

    def test_verify_true_and_false(self, cheap_params: Argon2Params) -> None:
        stored = hash_secret("correct horse battery", PEPPER, cheap_params)
        assert stored.startswith("$argon2id$")
        assert verify_secret(stored, "correct horse battery", PEPPER, cheap_params)
        assert not verify_secret(stored, "correct horse batterY", PEPPER, cheap_params)
        assert not verify_secret(stored, "", PEPPER, cheap_params)

    def test_pepper_matters(self, cheap_params: Argon2Params) -> None:
        stored = hash_secret("482916", PEPPER, cheap_params)
        assert not verify_secret(stored, "482916", PEPPER + "x", cheap_params)
        assert verify_secret(stored, "482916", PEPPER.encode(), cheap_params)

    def test_salted(self, cheap_params: Argon2Params) -> None:
        assert hash_secret("s", PEPPER, cheap_params) != hash_secret("s", PEPPER, cheap_params)

    def test_never_raises_on_bad_stored_values(self, cheap_params: Argon2Params) -> None:
        for stored in ("", "not a hash", "$argon2id$v=19$m=1024,t=1,p=1$AAAA$AAAA"):
            assert verify_secret(stored, "x", PEPPER, cheap_params) is False

    def test_short_pepper_is_refused(self, cheap_params: Argon2Params) -> None:
        with pytest.raises(ValueError, match="pepper"):
            hash_secret("s", "short", cheap_params)

    def test_text_is_normalised(self, cheap_params: Argon2Params) -> None:
        stored = hash_secret("caf\u00e9 au lait", PEPPER, cheap_params)
        assert verify_secret(stored, "cafe\u0301 au lait", PEPPER, cheap_params)

    def test_needs_rehash_when_settings_change(self, cheap_params: Argon2Params) -> None:
        stored = hash_secret("s", PEPPER, cheap_params)
        assert not needs_rehash(stored, cheap_params)
        assert needs_rehash(stored, Argon2Params(time_cost=2, memory_cost_kib=1024))
        assert needs_rehash("garbage", cheap_params)

    def test_dummy_verify_is_false_and_takes_about_as_long(self) -> None:
        params = Argon2Params(time_cost=2, memory_cost_kib=8 * 1024)
        stored = hash_secret("real secret", PEPPER, params)
        assert dummy_verify("real secret", PEPPER, params) is False

        def median(action: object) -> float:
            samples = []
            for _ in range(5):
                started = time.perf_counter()
                action()  # type: ignore[operator]
                samples.append(time.perf_counter() - started)
            return statistics.median(samples)

        real = median(lambda: verify_secret(stored, "wrong secret", PEPPER, params))
        dummy = median(lambda: dummy_verify("wrong secret", PEPPER, params))
        assert 0.33 < dummy / real < 3, (real, dummy)


class TestSigning:
    def test_sign_and_verify(self) -> None:
        pair = generate_signing_keypair()
        signature = sign(pair.private_pem, b"checkpoint 42: abc")
        assert len(signature) == 64
        assert verify(pair.public_pem, b"checkpoint 42: abc", signature)
        assert not verify(pair.public_pem, b"checkpoint 42: abd", signature)
        assert not verify(
            pair.public_pem, b"checkpoint 42: abc", signature[:-1] + bytes([signature[-1] ^ 1])
        )
        assert not verify(pair.public_pem, b"checkpoint 42: abc", b"short")
        assert not verify(generate_signing_keypair().public_pem, b"checkpoint 42: abc", signature)
        assert public_pem_for(pair.private_pem) == pair.public_pem
        assert b"PRIVATE" not in repr(pair).encode()

    def test_encrypted_private_key(self) -> None:
        pair = generate_signing_keypair(password=b"hunter22")
        assert b"ENCRYPTED" in pair.private_pem
        assert verify(pair.public_pem, b"m", sign(pair.private_pem, b"m", password=b"hunter22"))
        with pytest.raises(CryptoError):
            sign(pair.private_pem, b"m")

    def test_other_key_types_are_refused(self) -> None:
        ec = generate_private_key(SECP256R1())
        private_pem = ec.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public_pem = ec.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        with pytest.raises(CryptoError):
            sign(private_pem, b"m")
        with pytest.raises(CryptoError):
            verify(public_pem, b"m", b"x" * 64)
        with pytest.raises(CryptoError):
            verify(b"not a key", b"m", b"x" * 64)


class TestTokens:
    def test_new_tokens_are_url_safe_random_and_long_enough(self) -> None:
        tokens = {new_token() for _ in range(100)}
        assert len(tokens) == 100
        assert all(len(t) == 43 and t.replace("-", "").replace("_", "").isalnum() for t in tokens)
        assert len(new_token(16)) == 22
        with pytest.raises(ValueError):
            new_token(8)

    def test_digest_is_sha256_hex(self) -> None:
        assert token_digest("abc") == (
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )

    def test_constant_time_comparisons(self) -> None:
        token = new_token()
        assert token_matches(token, token_digest(token))
        assert not token_matches(token + "x", token_digest(token))
        assert constant_time_equal("a", b"a")
        assert not constant_time_equal("a", "b")
