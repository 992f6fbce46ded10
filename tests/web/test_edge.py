"""The HTTP edge: errors, headers, health, OpenAPI, logs without personal content."""

from __future__ import annotations

import logging

from tests.factories import PASSWORD


def test_api_errors_are_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == 404


def test_page_errors_are_friendly_pages(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert response.content_type.startswith("text/html")
    assert b"Go to the start page" in response.data


def test_not_logged_in_api_gets_401(client):
    response = client.get("/api/v1/children")
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"


def test_not_logged_in_page_redirects_to_login(client):
    response = client.get("/caseload")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_security_headers_and_nonce_csp(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert "frame-ancestors 'none'" in csp and "worker-src 'self'" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"'.encode() in response.data
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Request-Id"]
    other = client.get("/login").headers["Content-Security-Policy"]
    assert other != csp


def test_cross_site_unsafe_requests_are_refused(client):
    response = client.post(
        "/api/v1/session",
        json={"username": "a", "password": "b"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": True, "keys": True}


def test_openapi_document_lists_the_contract(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/session",
        "/api/v1/children",
        "/api/v1/invites/redeem",
        "/api/v1/children/{child_id}/invites",
        "/api/v1/session/mfa/enrol",
    ):
        assert path in spec["paths"], path


def test_docs_page_uses_vendored_assets_only(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert b"/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.data
    assert b"https://" not in page.data
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_logs_hold_no_passwords_or_names(app, api, factory, caplog):
    caplog.set_level(logging.DEBUG)
    worker = factory.user("social_worker")
    api.login(worker)
    api.post(
        "/api/v1/children",
        json={"preferred_name": "Zanzibar-Canary", "date_of_birth": "2012-02-02"},
    )
    api.client.post(
        "/api/v1/session", json={"username": worker.username, "password": "Canary-Password-9"}
    )
    assert caplog.records
    text = caplog.text
    for secret in ("Zanzibar-Canary", "Canary-Password-9", PASSWORD):
        assert secret not in text


def test_locale_from_query_sets_direction_and_stays_chosen(app, client):
    assert b'dir="ltr"' in client.get("/login").data
    page = client.get("/login?locale=ar")
    assert b'dir="rtl"' in page.data and b'lang="ar"' in page.data
    assert b'dir="rtl"' in client.get("/login").data
    assert b'dir="ltr"' in app.test_client().get("/login").data


def test_manifest_and_service_worker(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.content_type == "application/manifest+json"
    body = manifest.get_json()
    assert body["display"] == "standalone"
    assert {icon["sizes"] for icon in body["icons"]} >= {"192x192", "512x512"}
    assert any(icon.get("purpose") == "maskable" for icon in body["icons"])
    worker = client.get("/sw.js")
    assert worker.content_type.startswith("text/javascript")
    assert b"/offline" in worker.data


def test_pages_speak_the_chosen_language(client):
    arabic = client.get("/login?locale=ar").get_data(as_text=True)
    assert "تسجيل الدخول" in arabic  # "Log in", from the compiled Arabic catalogue
    welsh = client.get("/login?locale=cy").get_data(as_text=True)
    assert "Mewngofnodi" in welsh
