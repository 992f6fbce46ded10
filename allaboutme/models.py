"""Every feature's models in one registry, for Alembic and ``create_all`` in tests."""

from allaboutme.accounts.models import (
    Invitation,
    KnownDevice,
    LoginThrottle,
    Organisation,
    User,
    UserSession,
)
from allaboutme.children.models import Allocation, Child
from allaboutme.db import Base

metadata = Base.metadata

__all__ = [
    "Allocation",
    "Child",
    "Invitation",
    "KnownDevice",
    "LoginThrottle",
    "Organisation",
    "User",
    "UserSession",
    "metadata",
]
