"""Manifest, service worker and offline page.

The service worker is served from the root so its scope covers the whole app.
It caches the app shell only (styles, scripts, icons, the offline page), never
a response that carries a child's content.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, url_for

from allaboutme.i18n import _
from allaboutme.web.access import public

bp = Blueprint("pwa", __name__)

SHELL_ASSETS = (
    "css/app.css",
    "css/profile.css",
    "js/app.js",
    "js/drafts.js",
    "js/editor.js",
    "js/pictures.js",
    "js/drawing.js",
    "js/speech.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
)


@bp.get("/manifest.webmanifest")
@public
def manifest() -> Response:
    body = {
        "name": _("All About Me"),
        "short_name": _("All About Me"),
        "description": _("Your own profile: who you are, in your own words."),
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "background_color": "#fffaf2",
        "theme_color": "#3d2c8d",
        "icons": [
            {
                "src": url_for("static", filename="icons/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
            },
            {
                "src": url_for("static", filename="icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
            },
            {
                "src": url_for("static", filename="icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
@public
def service_worker() -> Response:
    shell = [url_for("pwa.offline")] + [url_for("static", filename=path) for path in SHELL_ASSETS]
    script = render_template("pwa/sw.js", shell=shell, version=current_app.config["SHELL_VERSION"])
    response = Response(script, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
@public
def offline() -> str:
    return render_template("pwa/offline.html")
