"""The installable app shell: manifest, service worker and offline page."""
