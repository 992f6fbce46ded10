"""The HTTP edge: errors, sessions, security headers, access rules, transactions.

``web`` never imports a feature; features register into it (``accounts``
installs the session store and the user loader).
"""
