"""Every route x every actor: the one table the matrix test runs, in order.

Rows run top to bottom against one world, so the order matters: reads come
first, then writes that leave the world as the later rows expect it, and what
ends something (closing, erasing, logging out) works on spare objects or comes
last. ``{name}`` placeholders are the world's ids; ``{packet}`` is the packet
sent to the actor's own home where it has one, and ``{profile_version}`` the
current version of the actor's own profile (of the child's, for anyone else).
"""

from __future__ import annotations

from tests.authorization.rows import (
    ADMINS,
    CHILDREN,
    LOGIN,
    PICTURE,
    PROVIDERS,
    SOCIAL_WORKERS,
    STAFF,
    STALE_FORM,
    Expected,
    Row,
    Upload,
    allocated_worker,
    api,
    each,
    own_child,
    packet_recipients,
    page,
    public,
    referral_staff,
)

# Routes the matrix leaves out, and why. (The API's documentation and OpenAPI
# description are in it: public, and cheap to keep that way on purpose.)
EXCLUDED_ENDPOINTS = {
    "static": "files shipped with the app (styles, scripts, icons): no data, no session",
}

CHILD = "/api/v1/children/{child}"
LOCATION = {"lat": 51.4, "lon": -0.1}
NEW_CHILD = {"preferred_name": "Kit", "date_of_birth": "2012-02-02"}
REFERRAL = {"child_id": "{child}", "lot": "2a", "location": LOCATION, "summary": "A calm home."}
REFERRAL_FORM = {
    "lot": "2a",
    "location_kind": "home",
    "lat": "51.4",
    "lon": "-0.1",
    "summary": "A calm home.",
}
SHORTLIST = ["{home}", "{home_revoked}", "{home_expired}"]
LIKES = {"answers": {"favourite_things": "Pasta"}, "language": "en"}
NEW_HOME = {
    "name": "Added Home",
    "ofsted_urn": "SC300092",
    "ofsted_rating": "good",
    "lots": ["2a"],
    "location": LOCATION,
    "vacancies": 1,
}
HOME_FORM = {
    "ofsted_rating": "good",
    "lots": "2a",
    "lat": "51.4",
    "lon": "-0.1",
    "vacancies": "1",
    "is_on_framework": "yes",
}
PROVIDERS_CSV = Upload(
    "providers.csv",
    b"name,ofsted_urn,ofsted_rating,lots,lat,lon,capabilities,languages,faiths,"
    b"cultural_competences,vacancies\nImported Home,SC300093,good,2a,51.4,-0.1,,,,,1\n",
)
# Where the start and login pages send someone who is logged in already.
HOME_PAGES = {
    **each(CHILDREN, "302 /me"),
    **each(SOCIAL_WORKERS, "302 /caseload"),
    **each((*ADMINS, *PROVIDERS, "framework_admin"), "302 /home"),
}
CONTENT_READERS = {"child_own": 200, "worker_allocated": 200, "provider": 200}

PUBLIC_ROWS = (
    public("start page", "GET /", LOGIN, **HOME_PAGES),
    public("login page", "GET /login", 200, **HOME_PAGES),
    public(
        "log in on the page without a password",
        "POST /login",
        422,
        form={"username": "nobody"},
        deactivated_worker=STALE_FORM,
    ),
    public("log in without a password", "POST /api/v1/session", 422, json={"username": "nobody"}),
    public("join page", "GET /join", 200),
    public(
        "join with an unknown code",
        "POST /join",
        410,
        form={"code": "NOTACODE", "username": "newchild", "password": "482916"},
        deactivated_worker=STALE_FORM,
    ),
    public(
        "redeem an unknown code",
        "POST /api/v1/invites/redeem",
        410,
        json={"code": "NOTACODE", "username": "newchild", "password": "482916"},
    ),
    public("question catalogue", "GET /api/v1/catalogue", 200),
    public("offline page", "GET /offline", 200),
    public("web app manifest", "GET /manifest.webmanifest", 200),
    public("service worker", "GET /sw.js", 200),
    public("liveness", "GET /healthz", 200),
    public("readiness", "GET /readyz", 200),
    public("API documentation", "GET /api/v1/docs", 200),
    public("OpenAPI description", "GET /api/v1/openapi.json", 200),
)

SESSION_ROWS = (
    api("read the session", "GET /api/v1/session", 200),
    api(
        "verify MFA with a wrong code",
        "POST /api/v1/session/mfa/verify",
        422,
        json={"otp": "not-a-code"},
        **each(CHILDREN, 403),
    ),
    page("staff home", "GET /home", 200, **each(CHILDREN, 403)),
    page("authenticator app page", "GET /mfa", 200, **each(CHILDREN, 403)),
    page(
        "verify MFA on the page with a wrong code",
        "POST /mfa/verify",
        422,
        form={"otp": "not-a-code"},
        **each(CHILDREN, 403),
    ),
)

CHILDREN_ROWS = (
    api("list children", "GET /api/v1/children", 403, **each(STAFF, 200)),
    api("add a child", "POST /api/v1/children", 403, json=NEW_CHILD, **each(SOCIAL_WORKERS, 201)),
    api("invite the child", f"POST {CHILD}/invites", 403, **allocated_worker(201)),
    page("caseload", "GET /caseload", 403, **each(STAFF, 200)),
    page(
        "add a child on the page",
        "POST /children",
        403,
        form=NEW_CHILD,
        **each(SOCIAL_WORKERS, "303 /caseload"),
    ),
    page(
        "invite the child on the page",
        "POST /children/{child}/invite",
        403,
        **allocated_worker(200),
    ),
    page(
        "worker's view of the child's sharing",
        "GET /children/{child}/sharing",
        403,
        **allocated_worker(200),
    ),
    api(
        "the child's copy of their data",
        f"GET {CHILD}/export",
        403,
        **own_child(200),
        admin_same_authority=200,
        admin_other_authority=404,
    ),
    api(
        "safeguarding read",
        f"POST {CHILD}/safeguarding-reads",
        403,
        json={"reason": "A concern was raised at school today."},
        admin_same_authority=200,
        admin_other_authority=404,
    ),
    page("audit trail", "GET /admin/audit", 403, **each(ADMINS, 200)),
    page("safeguarding reviews", "GET /admin/safeguarding", 403, **each(ADMINS, 200)),
)

CONSENT_ROWS = (
    api(
        "list the child's consents",
        f"GET {CHILD}/consents",
        403,
        **own_child(200),
        **allocated_worker(200),
    ),
    api(
        "who has looked", f"GET {CHILD}/access-log", 403, **own_child(200), **allocated_worker(200)
    ),
    api(
        "give consent",
        f"POST {CHILD}/consents",
        403,
        json={"audience": {"kind": "social_worker"}, "sections": ["likes"], "purpose": "support"},
        **own_child(201),
    ),
    page("who can see my profile", "GET /me/sharing", 403, **each(CHILDREN, 200)),
    page(
        "see it as they will",
        "GET /me/sharing/preview?audience=social_worker",
        403,
        **each(CHILDREN, 200),
    ),
    page(
        "choose what a home sees",
        "POST /me/sharing",
        403,
        form={
            "audience": "provider",
            "org_id": "{spare_home}",
            "purpose": "support",
            "share_likes": "yes",
        },
        **each(CHILDREN, "303 /me/sharing"),
    ),
    page("who has looked at my profile", "GET /me/looked", 403, **each(CHILDREN, 200)),
)

PROFILE_ROWS = (
    api("read the child's profile", f"GET {CHILD}/profile", 404, **CONTENT_READERS),
    api("list profile versions", f"GET {CHILD}/profile/versions", 403, **own_child(200)),
    api("read profile version 1", f"GET {CHILD}/profile/versions/1", 403, **own_child(200)),
    api(
        "write a section",
        f"PUT {CHILD}/profile/sections/likes",
        403,
        json=LIKES,
        headers={"If-Match": '"{profile_version}"'},
        **own_child(200),
    ),
    api("remove a section", f"DELETE {CHILD}/profile/sections/likes", 403, **own_child(204)),
    page("my profile", "GET /me", 403, **each(CHILDREN, 200)),
    page(
        "easy mode",
        "POST /me/easy-mode",
        403,
        form={"easy": "1", "next": "/me"},
        **each(CHILDREN, "303 /me"),
    ),
    page("a section of my profile", "GET /me/sections/about_me", 403, **each(CHILDREN, 200)),
    page(
        "save a section",
        "POST /me/sections/likes",
        403,
        form={"q.favourite_things": "Pasta", "language": "en", "version": "{profile_version}"},
        **each(CHILDREN, "303 /me/sections/likes"),
    ),
    page("my history", "GET /me/history", 403, **each(CHILDREN, 200)),
    page("my profile at version 1", "GET /me/history/1", 403, **each(CHILDREN, 200)),
)

MEDIA_ROWS = (
    api("list the child's pictures", f"GET {CHILD}/media", 403, **own_child(200)),
    api(
        "add a picture",
        f"POST {CHILD}/media",
        403,
        form={"file": PICTURE, "section": "likes"},
        **own_child(201),
    ),
    api("see a picture", "GET /api/v1/media/{media}", 404, **CONTENT_READERS),
    api("delete a picture", "DELETE /api/v1/media/{spare_media}", 403, **own_child(204)),
    page(
        "add a picture on the page",
        "POST /me/sections/likes/pictures",
        403,
        form={"file": PICTURE, "caption": ""},
        **each(CHILDREN, "303 /me/sections/likes"),
    ),
    page(
        "are you sure? (delete a picture)",
        "GET /me/sections/about_me/pictures/{media}/delete",
        403,
        **own_child(200),
    ),
    page(
        "delete a picture on the page",
        "POST /me/sections/about_me/pictures/{spare_page_media}/delete",
        403,
        **own_child("303 /me/sections/about_me"),
    ),
)

PROVIDER_ROWS = (
    api("list providers", "GET /api/v1/providers", 200, **each(CHILDREN, 403)),
    api("see a provider", "GET /api/v1/providers/{home}", 200, **each(CHILDREN, 403)),
    api("add a provider", "POST /api/v1/providers", 403, json=NEW_HOME, framework_admin=201),
    api(
        "change a provider",
        "PATCH /api/v1/providers/{home}",
        403,
        json={"vacancies": 2},
        framework_admin=200,
        provider=200,
    ),
    page("provider directory", "GET /framework/providers", 403, framework_admin=200),
    page(
        "add a provider on the page",
        "POST /framework/providers",
        403,
        form={**HOME_FORM, "name": "Paged Home", "ofsted_urn": "SC300094"},
        framework_admin="303 /framework/providers",
    ),
    page(
        "import providers",
        "POST /framework/providers/import",
        403,
        form={"file": PROVIDERS_CSV},
        framework_admin=200,
    ),
    page("edit a provider", "GET /framework/providers/{home}", 403, framework_admin=200),
    page(
        "save a provider",
        "POST /framework/providers/{home}",
        403,
        form={**HOME_FORM, "ofsted_urn": "{home_urn}"},
        framework_admin="303 /framework/providers",
    ),
    page("our vacancies", "GET /provider/vacancies", 403, **each(PROVIDERS, 200)),
    page(
        "report our vacancies",
        "POST /provider/vacancies",
        403,
        form={"vacancies": "2"},
        **each(PROVIDERS, "303 /provider/vacancies"),
    ),
)

REFERRAL_ROWS = (
    api("list referrals", "GET /api/v1/referrals", 403, **each(STAFF, 200)),
    api("read a referral", "GET /api/v1/referrals/{referral}", 403, **referral_staff(200)),
    api(
        "rank providers for a referral",
        "GET /api/v1/referrals/{referral}/matches",
        403,
        **referral_staff(200),
    ),
    api(
        "see a referral's packets",
        "GET /api/v1/referrals/{referral}/packets",
        403,
        **referral_staff(200),
    ),
    api("start a referral", "POST /api/v1/referrals", 403, json=REFERRAL, **allocated_worker(201)),
    api(
        "shortlist homes",
        "PUT /api/v1/referrals/{referral}/shortlist",
        403,
        json={"provider_ids": SHORTLIST},
        **allocated_worker(200),
    ),
    api(
        "ask the child", "POST /api/v1/referrals/{referral}/ask-child", 403, **allocated_worker(200)
    ),
    api(
        "send again to the same home",
        "POST /api/v1/referrals/{referral}/send",
        403,
        json={"provider_ids": ["{home}"]},
        **allocated_worker(422),
    ),
    page("referrals", "GET /referrals", 403, **each(STAFF, 200)),
    page("a referral", "GET /referrals/{referral}", 403, **referral_staff(200)),
    page("new referral form", "GET /children/{child}/referrals/new", 403, **allocated_worker(200)),
    page(
        "start a referral on the page",
        "POST /children/{child}/referrals",
        403,
        form=REFERRAL_FORM,
        **allocated_worker("303 /referrals/*"),
    ),
    page(
        "shortlist on the page",
        "POST /referrals/{referral}/shortlist",
        403,
        form={"provider_ids": SHORTLIST},
        **allocated_worker("303 /referrals/{referral}"),
    ),
    page(
        "ask the child on the page",
        "POST /referrals/{referral}/ask-child",
        403,
        **allocated_worker("303 /referrals/{referral}"),
    ),
    page(
        "send again on the page",
        "POST /referrals/{referral}/send",
        403,
        form={"provider_ids": "{home}"},
        **allocated_worker(422),
    ),
    page("the child is asked to share", "GET /me/referrals/{referral}", 403, **own_child(200)),
    page("the child answers", "POST /me/referrals/{referral}", 403, **own_child("303 /me/sharing")),
    page("homes interested in me", "GET /me/new-homes", 403, **each(CHILDREN, 200)),
)

PACKET_ROWS = (
    api("list packets", "GET /api/v1/packets", 403, **each(PROVIDERS, 200)),
    api("open a packet", "GET /api/v1/packets/{packet}", 403, **packet_recipients(200)),
    api(
        "download a packet's PDF", "GET /api/v1/packets/{packet}/pdf", 403, **packet_recipients(200)
    ),
    api(
        "answer a packet",
        "POST /api/v1/packets/{packet}/response",
        403,
        json={"decision": "interested", "note": ""},
        **packet_recipients(200),
    ),
    page("packets received", "GET /packets", 403, **each(PROVIDERS, 200)),
    page("a packet", "GET /packets/{packet}", 403, **packet_recipients(200)),
    page(
        "answer on the page",
        "POST /packets/{packet}/response",
        403,
        form={"decision": "interested", "note": ""},
        **packet_recipients("303 /packets/{packet}"),
    ),
    page(
        "describe our home",
        "POST /packets/{packet}/home",
        403,
        form={"who_lives_here": "Two cats."},
        **packet_recipients("303 /packets/{packet}"),
    ),
    page(
        "add a photo of our home",
        "POST /packets/{packet}/home/photos",
        403,
        form={"photo": PICTURE, "caption": ""},
        **packet_recipients("303 /packets/{packet}"),
    ),
    page(
        "a photo of a home",
        "GET /home-photos/{home_photo}",
        403,
        **own_child(200),
        **{**each(PROVIDERS, 404), "provider": 200},
    ),
)

# What ends something: spare objects, then the sessions themselves, last.
ENDING_ROWS = (
    api("take consent back", f"DELETE {CHILD}/consents/{{spare_grant}}", 403, **own_child(204)),
    page(
        "stop sharing on the page",
        "POST /me/sharing/grants/{spare_page_grant}/stop",
        403,
        **own_child("303 /me/sharing"),
    ),
    api(
        "close a referral",
        "POST /api/v1/referrals/{spare_referral}/close",
        403,
        **allocated_worker(200),
    ),
    page(
        "close a referral on the page",
        "POST /referrals/{spare_referral}/close",
        403,
        **allocated_worker("303 /referrals/{spare_referral}"),
    ),
    api(
        "erase a child",
        "DELETE /api/v1/children/{spare_child}",
        403,
        admin_same_authority=204,
        admin_other_authority=404,
    ),
    api(
        "start MFA enrolment again",
        "POST /api/v1/session/mfa/enrol",
        201,
        json={"otp": "{otp}"},
        **each(CHILDREN, 403),
    ),
    page(
        "start MFA enrolment again on the page",
        "POST /mfa/start",
        "303 /mfa",
        form={"otp": "{otp}"},
        **each(CHILDREN, 403),
    ),
    page("log out on the page", "POST /logout", "303 /login", session="spare"),
    api("log out", "DELETE /api/v1/session", 204),
)

MATRIX: tuple[Row, ...] = (
    *PUBLIC_ROWS,
    *SESSION_ROWS,
    *CHILDREN_ROWS,
    *CONSENT_ROWS,
    *PROFILE_ROWS,
    *MEDIA_ROWS,
    *PROVIDER_ROWS,
    *REFERRAL_ROWS,
    *PACKET_ROWS,
    *ENDING_ROWS,
)

# Cells the app answers otherwise today, with what comes back instead and why that is
# wrong. The test fails when one is fixed (delete its entry then) or changes again.
KNOWN_DEFECTS: dict[tuple[str, str], tuple[Expected, str]] = {}
