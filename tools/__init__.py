"""Tools that check the project from outside it, such as ``make audit``.

Like ``bench``, nothing here is imported by the application; each tool runs in its own
environment (``make audit`` in ``.venv-audit``) and needs only the standard library and
``packaging``, so the tests can import its pure parts from the app's venv.
"""
