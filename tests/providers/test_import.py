"""``flask --app allaboutme providers import FILE.csv``: the framework's register from a file.

Exit status: 0 when every row was applied, 2 when some rows were rejected (the
others were saved), 1 when the file could not be read (nothing was saved).
"""

from __future__ import annotations

from sqlalchemy import func, select

from allaboutme import db
from allaboutme.accounts.models import Organisation
from allaboutme.audit.models import AuditEvent
from allaboutme.errors import Conflict
from allaboutme.providers import services
from allaboutme.providers.models import ProviderProfile

HEADER = (
    "name,ofsted_urn,ofsted_rating,lots,lat,lon,capabilities,languages,faiths,"
    "cultural_competences,vacancies"
)
ALPHA = 'Alpha Homes,SC100001,Outstanding,1a;1B,51.37,-0.19,"asd; SEMH",en;ar,,,2'
BEACON = (
    '"Beacon Fostering, Sutton",1234567,Requires improvement,2a;2c,51.36,-0.17,'
    '"Sibling group;emergency",en;ti;prs,Muslim;Orthodox Christian,Eritrean;Afghan,0'
)
GOOD_ROWS = [ALPHA, BEACON]


def _write(tmp_path, rows, *, name="providers.csv", bom=False, encoding="utf-8"):
    path = tmp_path / name
    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


def _import(runner, path, *extra):
    return runner.invoke(args=["providers", "import", str(path), *extra])


def _profiles(app):
    with app.app_context():
        rows = db.session().scalars(select(ProviderProfile)).all()
        return {profile.name: profile for profile in rows}


def _organisations(app):
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Organisation))


def test_good_rows_are_saved_and_every_bad_row_is_reported(app, runner, tmp_path):
    rows = [
        ALPHA,  # line 2
        BEACON,  # line 3
        "Bad Rating,SC100004,excellent,1a,51.4,-0.1,,,,,1",  # line 4
        "Bad Lot,SC100005,good,1a;3z,51.4,-0.1,,,,,1",  # line 5
        "No Urn,,good,1a,51.4,-0.1,,,,,1",  # line 6
        "Bad Lat,SC100007,good,1a,north,-0.1,,,,,1",  # line 7
        "Negative,SC100008,good,1a,51.4,-0.1,,,,,-1",  # line 8
        "Alpha Again,sc100001,good,2a,51.4,-0.1,,,,,1",  # line 9: duplicate URN
        "",  # line 10: blank, ignored
        "Many Faults,SC100011,great,9z,51.4,500,flying,,,,x",  # line 11
        "Too Short,SC100012,good",  # line 12
    ]
    result = _import(runner, _write(tmp_path, rows, bom=True))
    assert result.exit_code == 2, result.output
    assert result.stdout.strip() == "2 created, 0 updated, 8 rejected"
    problems: dict[str, str] = {}
    for output_line in result.stderr.strip().splitlines():
        where, reason = output_line.split(": ", 1)
        problems[where] = problems.get(where, "") + reason + "\n"
    assert sorted(problems) == [f"line {n}" for n in (11, 12, 4, 5, 6, 7, 8, 9)]
    assert problems["line 4"].startswith("ofsted_rating:")
    assert problems["line 5"].startswith("lots:") and "3z" in problems["line 5"]
    assert problems["line 6"].startswith("ofsted_urn:")
    assert problems["line 7"].startswith("lat:")
    assert problems["line 8"].startswith("vacancies:")
    assert problems["line 9"].startswith("ofsted_urn:") and "line 2" in problems["line 9"]
    fields = [reason.split(":")[0] for reason in problems["line 11"].splitlines()]
    assert fields == ["ofsted_rating", "lots", "location", "capabilities", "vacancies"]
    saved = _profiles(app)
    assert sorted(saved) == ["Alpha Homes", "Beacon Fostering, Sutton"]
    alpha, beacon = saved["Alpha Homes"], saved["Beacon Fostering, Sutton"]
    assert (alpha.ofsted_rating, alpha.lots, alpha.capabilities) == (
        "outstanding",
        ["1a", "1b"],
        ["asd", "semh"],
    )
    assert (alpha.languages, alpha.faiths, alpha.vacancies) == (["en", "ar"], [], 2)
    assert beacon.ofsted_urn == "1234567" and beacon.ofsted_rating == "requires_improvement"
    assert beacon.capabilities == ["sibling_group", "emergency"]
    assert beacon.faiths == ["Muslim", "Orthodox Christian"]
    assert (beacon.lat, beacon.lon) == (51.36, -0.17)
    assert _organisations(app) == 2  # no organisation left behind by a rejected row
    with app.app_context():
        event = db.session().scalar(
            select(AuditEvent).where(AuditEvent.action == "providers.import")
        )
    assert event.reason == "created=2 updated=0 rejected=8" and event.actor_user_id is None


def test_importing_again_updates_instead_of_duplicating(app, runner, tmp_path):
    first = _import(runner, _write(tmp_path, GOOD_ROWS))
    assert first.exit_code == 0 and first.stdout.strip() == "2 created, 0 updated, 0 rejected"
    before = _profiles(app)
    changed = [ALPHA.replace("Outstanding", "Good").replace(",2", ",5"), BEACON]
    second = _import(runner, _write(tmp_path, changed, name="again.csv", bom=True))
    assert second.exit_code == 0, second.output
    assert second.stdout.strip() == "0 created, 2 updated, 0 rejected"
    after = _profiles(app)
    assert sorted(after) == sorted(before) and _organisations(app) == 2
    alpha = after["Alpha Homes"]
    assert (alpha.ofsted_rating, alpha.vacancies) == ("good", 5)
    assert alpha.org_id == before["Alpha Homes"].org_id
    assert alpha.vacancies_updated_at > before["Alpha Homes"].vacancies_updated_at


def test_a_urn_registered_to_another_name_is_rejected(app, runner, tmp_path):
    _import(runner, _write(tmp_path, GOOD_ROWS))
    renamed = _import(runner, _write(tmp_path, [ALPHA.replace("Alpha Homes", "Alpha Care")]))
    assert renamed.exit_code == 2
    assert "line 2: " in renamed.stderr and "Alpha Homes" in renamed.stderr
    assert sorted(_profiles(app)) == ["Alpha Homes", "Beacon Fostering, Sutton"]


def test_an_organisation_made_on_the_command_line_is_completed(app, runner, factory, tmp_path):
    existing = factory.organisation("provider", name="Alpha Homes")
    result = _import(runner, _write(tmp_path, [ALPHA]))
    assert result.exit_code == 0, result.output
    assert _profiles(app)["Alpha Homes"].org_id == existing.id


def test_a_file_that_is_not_utf8_fails_cleanly(app, runner, tmp_path):
    latin = _write(tmp_path, [ALPHA, ALPHA.replace("Alpha Homes", "Café Homes")], encoding="cp1252")
    result = _import(runner, latin)
    assert result.exit_code == 1
    assert "UTF-8" in result.stderr and "Traceback" not in result.output
    utf16 = _write(tmp_path, GOOD_ROWS, name="utf16.csv", encoding="utf-16")
    assert _import(runner, utf16).exit_code == 1
    assert _profiles(app) == {} and _organisations(app) == 0


def test_a_wrong_header_or_a_missing_file_fails_cleanly(app, runner, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("name,ofsted_urn,colour\nAlpha Homes,SC100001,blue\n", encoding="utf-8")
    result = _import(runner, path)
    assert result.exit_code == 1
    assert "ofsted_rating" in result.stderr and "colour" in result.stderr
    missing = _import(runner, tmp_path / "nowhere.csv")
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    assert _profiles(app) == {}


def test_a_row_failing_halfway_leaves_nothing_of_itself(app, runner, tmp_path, monkeypatch):
    record = services._record

    def fail_for_beacon(actor, action, profile, now, **kw):
        if profile.ofsted_urn == "1234567":
            raise Conflict("simulated failure after the organisation was created")
        record(actor, action, profile, now, **kw)

    monkeypatch.setattr(services, "_record", fail_for_beacon)
    result = _import(runner, _write(tmp_path, GOOD_ROWS))
    assert result.exit_code == 2
    assert "line 3: simulated failure" in result.stderr
    assert sorted(_profiles(app)) == ["Alpha Homes"]
    assert _organisations(app) == 1


def test_a_dry_run_reports_and_saves_nothing(app, runner, tmp_path):
    result = _import(
        runner, _write(tmp_path, [*GOOD_ROWS, "Bad,SC1,good,1a,1,1,,,,,1"]), "--dry-run"
    )
    assert result.exit_code == 2
    assert result.stdout.startswith("2 created, 0 updated, 1 rejected")
    assert "line 4: ofsted_urn:" in result.stderr
    assert _profiles(app) == {} and _organisations(app) == 0
