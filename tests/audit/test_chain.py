"""The hash chain detects every kind of silent change and names the first bad entry."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from allaboutme.audit.chain import GENESIS, Checkpoint, Entry, entry_hash, verify_chain


def build(count: int) -> list[Entry]:
    entries, previous = [], GENESIS
    for sequence in range(1, count + 1):
        fields = {"sequence": sequence, "action": "profile.read", "actor_user_id": f"u{sequence}"}
        digest = entry_hash(previous, fields)
        entries.append(Entry(sequence, previous, digest, fields))
        previous = digest
    return entries


def test_an_untouched_chain_is_intact():
    entries = build(5)
    assert verify_chain(entries, [Checkpoint(5, entries[-1].hash)]).is_intact


def test_an_edited_entry_is_named():
    entries = build(5)
    entries[2] = replace(entries[2], fields={**entries[2].fields, "actor_user_id": "mallory"})
    verdict = verify_chain(entries)
    assert not verdict.is_intact and verdict.first_bad_sequence == 3


def test_a_deleted_entry_is_named():
    entries = build(5)
    del entries[1]
    assert verify_chain(entries).first_bad_sequence == 2


def test_an_inserted_entry_is_named():
    entries = build(5)
    forged = Entry(3, entries[1].hash, entry_hash(entries[1].hash, {"x": 1}), {"x": 1})
    entries.insert(2, forged)
    verdict = verify_chain(entries)
    assert not verdict.is_intact and verdict.first_bad_sequence in (3, 4)


def test_reordered_entries_are_named():
    entries = build(5)
    entries[1], entries[2] = entries[2], entries[1]
    assert verify_chain(entries).first_bad_sequence == 2


def test_truncation_is_caught_by_the_checkpoint():
    entries = build(5)
    checkpoint = Checkpoint(5, entries[-1].hash)
    verdict = verify_chain(entries[:3], [checkpoint])
    assert not verdict.is_intact and verdict.first_bad_sequence == 4


@given(st.integers(min_value=2, max_value=12), st.data())
def test_any_single_field_change_breaks_the_chain(count, data):
    entries = build(count)
    index = data.draw(st.integers(min_value=0, max_value=count - 1))
    entries[index] = replace(entries[index], fields={**entries[index].fields, "action": "changed"})
    verdict = verify_chain(entries)
    assert not verdict.is_intact and verdict.first_bad_sequence == index + 1
