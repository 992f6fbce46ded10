"""Browser tests: Playwright's sync API driving Debian Chromium against a live server."""
