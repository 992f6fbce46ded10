"""The referral journey through the API: create, match, shortlist, ask, send, view, answer.

Every packet carries exactly what the child's consent allows its provider, is
shown live through the consent gate, and stops opening when it expires, the
referral closes or the child withdraws.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from allaboutme import db, encryption
from allaboutme.accounts import services as accounts
from allaboutme.accounts.models import User
from allaboutme.audit.models import AuditEvent
from allaboutme.crypto import KeyDestroyedError
from allaboutme.referrals.models import Packet
from tests.referrals.conftest import ABOUT_ME, HERITAGE, WORRIES


def _send(cast, referral_id, *keys):
    ids = [cast.providers[key] for key in keys]
    return cast.worker.post(f"/api/v1/referrals/{referral_id}/send", json={"provider_ids": ids})


def _ready(cast):
    """A profile with three sections, a referral, and the child sharing two with Sunrise."""
    cast.write("about_me", ABOUT_ME)
    cast.write("heritage", HERITAGE)
    cast.write("worries", WORRIES)
    referral = cast.referral()
    grant = cast.share(
        {"kind": "provider", "org_id": cast.providers["sunrise"]}, ["about_me", "worries"]
    )
    return referral, grant


def test_a_worker_creates_a_draft_referral_for_an_allocated_child(cast):
    referral = cast.referral(needs=["semh", "sibling_group"], start_by="2099-01-31")

    assert referral["status"] == "draft"
    assert referral["needs"] == ["semh", "sibling_group"]  # in the vocabulary's order
    assert referral["summary"].startswith("Needs a calm foster home")
    assert cast.worker.get(f"/api/v1/referrals/{referral['id']}").get_json() == referral


def test_a_referral_for_a_child_not_allocated_to_the_worker_is_not_found(cast):
    stranger = cast.client(cast.factory.user("social_worker"))
    response = stranger.post(
        "/api/v1/referrals",
        json={
            "child_id": cast.child_id,
            "lot": "2a",
            "location": {"lat": 51, "lon": 0},
            "summary": "x",
        },
    )
    assert response.status_code == 404


def test_bad_referral_fields_are_each_named(cast):
    response = cast.worker.post(
        "/api/v1/referrals",
        json={
            "child_id": cast.child_id,
            "lot": "9z",
            "needs": ["flying"],
            "location": {"lat": 91, "lon": 0},
            "summary": "",
        },
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {"lot", "needs", "location", "summary"} <= set(errors)


def test_matches_rank_good_providers_and_exclude_the_rest_with_reasons(cast):
    referral = cast.referral()
    body = cast.worker.get(f"/api/v1/referrals/{referral['id']}/matches").get_json()

    names = [item["provider"]["name"] for item in body["items"]]
    assert names == ["Sunrise Fostering", "Oakwood Fostering"]
    assert body["items"][1]["is_far"] is True
    assert all(item["reasons"] and item["reasons"][0]["text"] for item in body["items"])
    assert [e["provider"]["name"] for e in body["excluded"]] == ["Weak Fostering"]
    assert body["excluded"][0]["reason"]["code"] == "ofsted_below_good"


def test_heritage_counts_only_when_the_child_shared_it_with_their_worker(cast):
    cast.write("heritage", HERITAGE)
    referral = cast.referral()
    url = f"/api/v1/referrals/{referral['id']}/matches"
    codes = {r["code"] for r in cast.worker.get(url).get_json()["items"][0]["reasons"]}
    assert "heritage_not_shared" in codes

    cast.share({"kind": "social_worker"}, ["heritage"], purpose="support")
    codes = {r["code"] for r in cast.worker.get(url).get_json()["items"][0]["reasons"]}
    assert {"speaks_language", "shares_faith", "cultural_match"} <= codes


def test_send_carries_exactly_the_consented_sections_and_nothing_else(cast):
    referral, _grant = _ready(cast)

    response = _send(cast, referral["id"], "sunrise")

    assert response.status_code == 201, response.get_json()
    (packet,) = response.get_json()["packets"]
    assert packet["sections"] == ["about_me", "worries"]
    view = cast.provider_staff["sunrise"].get(f"/api/v1/packets/{packet['id']}")
    assert view.status_code == 200
    body = view.get_json()
    assert set(body["profile"]["sections"]) == {"about_me", "worries"}
    assert body["profile"]["child_name"] == "Mira"
    assert body["referral"]["summary"].startswith("Needs a calm")
    assert cast.worker.get(f"/api/v1/referrals/{referral['id']}").get_json()["status"] == "sent"


def test_sending_without_consent_is_refused_and_creates_nothing(cast):
    referral, _grant = _ready(cast)

    response = _send(cast, referral["id"], "sunrise", "oakwood")

    assert response.status_code == 422
    assert "Oakwood Fostering" in " ".join(response.get_json()["errors"]["provider_ids"])
    with cast.app.app_context():
        assert db.session().scalars(select(Packet)).all() == []


def test_a_provider_below_good_cannot_be_sent_to(cast):
    referral, _grant = _ready(cast)
    cast.share({"kind": "provider", "org_id": cast.providers["weak"]}, ["about_me"])

    response = _send(cast, referral["id"], "weak")

    assert response.status_code == 422
    assert "Good" in response.get_json()["errors"]["provider_ids"][0]


def test_another_provider_gets_not_found_for_a_packet_not_addressed_to_it(cast):
    referral, _grant = _ready(cast)
    packet_id = _send(cast, referral["id"], "sunrise").get_json()["packets"][0]["id"]

    for path in ("", "/pdf"):
        response = cast.provider_staff["oakwood"].get(f"/api/v1/packets/{packet_id}{path}")
        assert response.status_code == 404
    listed = cast.provider_staff["oakwood"].get("/api/v1/packets").get_json()["items"]
    assert listed == []


def test_withdrawing_one_section_hides_it_and_withdrawing_all_gives_410(cast):
    referral, grant = _ready(cast)
    packet_id = _send(cast, referral["id"], "sunrise").get_json()["packets"][0]["id"]
    provider = cast.provider_staff["sunrise"]

    cast.child.delete(f"/api/v1/children/{cast.child_id}/consents/{grant['id']}")
    cast.share({"kind": "provider", "org_id": cast.providers["sunrise"]}, ["worries"])
    assert set(provider.get(f"/api/v1/packets/{packet_id}").get_json()["profile"]["sections"]) == {
        "worries"
    }

    grants = cast.child.get(f"/api/v1/children/{cast.child_id}/consents").get_json()["items"]
    for item in grants:
        cast.child.delete(f"/api/v1/children/{cast.child_id}/consents/{item['id']}")
    assert provider.get(f"/api/v1/packets/{packet_id}").status_code == 410
    assert provider.get(f"/api/v1/packets/{packet_id}/pdf").status_code == 410


def test_an_expired_packet_is_gone(cast):
    referral, _grant = _ready(cast)
    packet_id = _send(cast, referral["id"], "sunrise").get_json()["packets"][0]["id"]

    cast.age_packets(31)

    response = cast.provider_staff["sunrise"].get(f"/api/v1/packets/{packet_id}")
    assert response.status_code == 410
    assert response.get_json()["code"] == "packet_expired"


def test_closing_the_referral_closes_its_packets(cast):
    referral, _grant = _ready(cast)
    packet_id = _send(cast, referral["id"], "sunrise").get_json()["packets"][0]["id"]

    assert cast.worker.post(f"/api/v1/referrals/{referral['id']}/close").status_code == 200

    assert cast.provider_staff["sunrise"].get(f"/api/v1/packets/{packet_id}").status_code == 410


def test_the_provider_answers_and_the_worker_sees_it(cast):
    referral, _grant = _ready(cast)
    packet_id = _send(cast, referral["id"], "sunrise").get_json()["packets"][0]["id"]

    response = cast.provider_staff["sunrise"].post(
        f"/api/v1/packets/{packet_id}/response",
        json={"decision": "interested", "note": "We have a room near her school."},
    )

    assert response.status_code == 200, response.get_json()
    (item,) = cast.worker.get(f"/api/v1/referrals/{referral['id']}/packets").get_json()["items"]
    assert (item["decision"], item["note"]) == ("interested", "We have a room near her school.")
    assert cast.worker.get(f"/api/v1/referrals/{referral['id']}").get_json()["status"] == (
        "responses"
    )
    bad = cast.provider_staff["sunrise"].post(
        f"/api/v1/packets/{packet_id}/response", json={"decision": "maybe"}
    )
    assert bad.status_code == 422


def test_every_packet_view_pdf_and_answer_is_in_the_childs_access_log(cast):
    referral, _grant = _ready(cast)
    packet_id = _send(cast, referral["id"], "sunrise").get_json()["packets"][0]["id"]
    provider = cast.provider_staff["sunrise"]

    provider.get(f"/api/v1/packets/{packet_id}")
    assert provider.get(f"/api/v1/packets/{packet_id}/pdf").status_code == 200
    provider.post(f"/api/v1/packets/{packet_id}/response", json={"decision": "declined"})

    log = cast.child.get(f"/api/v1/children/{cast.child_id}/access-log").get_json()["items"]
    actions = [item["action"] for item in log]
    assert actions[:3] == ["packet.response", "packet.pdf", "packet.view"]
    assert log[2]["sections"] == ["about_me", "worries"]
    assert log[2]["viewer"]["org_name"] == "Sunrise Fostering"


def test_the_snapshot_is_a_sealed_case_record_that_outlives_erasure(cast):
    referral, _grant = _ready(cast)
    _send(cast, referral["id"], "sunrise")
    with cast.app.app_context():
        packet = db.session().scalars(select(Packet)).one()
        assert b"Mira" not in packet.snapshot and b"Being moved" not in packet.snapshot
        events = (
            db.session()
            .scalars(select(AuditEvent.action).where(AuditEvent.object_id == packet.id))
            .all()
        )
        assert "packet.send" in events


def test_erasing_the_child_keeps_the_snapshot_under_its_legal_hold(cast):
    referral, _grant = _ready(cast)
    packet_id = _send(cast, referral["id"], "sunrise").get_json()["packets"][0]["id"]
    admin = cast.client(cast.factory.user("la_admin", _authority(cast)))

    assert admin.delete(f"/api/v1/children/{cast.child_id}").status_code == 204

    assert cast.provider_staff["sunrise"].get(f"/api/v1/packets/{packet_id}").status_code == 410
    with cast.app.app_context():
        packet = db.session().get(Packet, packet_id)
        context = encryption.RecordContext(
            tenant_id=packet.authority_id,
            child_id=packet.child_ref,
            table="packets",
            field="snapshot",
            row_id=packet.id,
            version=1,
            is_case_record=True,
        )
        snapshot = json.loads(encryption.open(packet.snapshot, context))
        assert packet.is_legal_hold
        assert snapshot["sections"]["about_me"]["answers"]["name"] == "Mira"
        assert set(snapshot["sections"]) == {"about_me", "worries"}
    assert admin.get(f"/api/v1/referrals/{referral['id']}").get_json()["child_id"] is None


def _authority(cast):
    with cast.app.app_context():
        return accounts.get_organisation(db.session().get(User, cast.worker_login.user_id).org_id)


def test_ending_the_legal_hold_is_a_recorded_decision_then_nothing_opens(cast, runner):
    referral, _grant = _ready(cast)
    packet_id = _send(cast, referral["id"], "sunrise").get_json()["packets"][0]["id"]
    admin = cast.factory.user("la_admin", _authority(cast))
    stranger = cast.factory.user("la_admin")

    refused = runner.invoke(
        args=[
            "case-records",
            "destroy",
            cast.child_id,
            "--admin",
            stranger.username,
            "--reason",
            "Retention period over, decided by the panel",
        ]
    )
    assert refused.exit_code != 0
    too_short = runner.invoke(
        args=["case-records", "destroy", cast.child_id, "--admin", admin.username, "--reason", "x"]
    )
    assert too_short.exit_code != 0
    done = runner.invoke(
        args=[
            "case-records",
            "destroy",
            cast.child_id,
            "--admin",
            admin.username,
            "--reason",
            "Retention period over, decided by the records panel",
        ]
    )

    assert done.exit_code == 0, done.output
    with cast.app.app_context():
        packet = db.session().get(Packet, packet_id)
        context = encryption.RecordContext(
            tenant_id=packet.authority_id,
            child_id=packet.child_ref,
            table="packets",
            field="snapshot",
            row_id=packet.id,
            version=1,
            is_case_record=True,
        )
        with pytest.raises(KeyDestroyedError):
            encryption.open(packet.snapshot, context)
        assert not packet.is_legal_hold
        reasons = (
            db.session()
            .scalars(select(AuditEvent.reason).where(AuditEvent.action == "case_records.destroy"))
            .all()
        )
        assert reasons == ["Retention period over, decided by the records panel"]


def test_a_referral_never_sent_stays_readable_after_the_child_is_erased(cast):
    referral = cast.referral()
    admin = cast.client(cast.factory.user("la_admin", _authority(cast)))

    assert admin.delete(f"/api/v1/children/{cast.child_id}").status_code == 204

    kept = admin.get(f"/api/v1/referrals/{referral['id']}").get_json()
    assert (kept["child_id"], kept["summary"]) == (None, referral["summary"])
