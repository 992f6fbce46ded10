"""Every feature's models in one registry, for Alembic and ``create_all`` in tests."""

from allaboutme.accounts.models import (
    Invitation,
    KnownDevice,
    LoginThrottle,
    Organisation,
    User,
    UserSession,
)
from allaboutme.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from allaboutme.children.models import Allocation, Child
from allaboutme.consent.models import ConsentGrant
from allaboutme.db import Base
from allaboutme.media.models import MediaItem
from allaboutme.profiles.models import Profile, SectionRecord
from allaboutme.providers.models import ProviderProfile
from allaboutme.referrals.models import Candidate, HomePhoto, HomeProfile, Packet, Referral

metadata = Base.metadata

__all__ = [
    "Allocation",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditHead",
    "Candidate",
    "Child",
    "ConsentGrant",
    "HomePhoto",
    "HomeProfile",
    "Invitation",
    "KnownDevice",
    "LoginThrottle",
    "MediaItem",
    "Organisation",
    "Packet",
    "Profile",
    "ProviderProfile",
    "Referral",
    "SectionRecord",
    "User",
    "UserSession",
    "metadata",
]
