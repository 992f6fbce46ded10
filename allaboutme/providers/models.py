"""A provider organisation's entry on the placement framework (DOMAIN.md, "APPA").

The organisation itself (its name, its staff) belongs to ``accounts``; this row
holds what the framework knows about it: Ofsted, the lots it is approved for,
where it is, what it can offer and how many vacancies it last reported.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from allaboutme.accounts.models import Organisation
from allaboutme.db import ID_LENGTH, Base, utcnow

# Lot 1 residential (1a standard, 1b specialist); lot 2 fostering (2a standard,
# 2b specialist, 2c emergency).
LOTS = ("1a", "1b", "2a", "2b", "2c")
OFSTED_RATINGS = ("outstanding", "good", "requires_improvement", "inadequate")
CAPABILITIES = (
    "asd",
    "semh",
    "sibling_group",
    "parent_and_child",
    "complex_adolescent",
    "emergency",
    "exploitation_risk",
    "leaving_custody",
    "disability",
)
URN_LENGTH = 16
# Social care URNs are "SC" and six digits; newer ones are six or seven digits.
URN_PATTERN = re.compile(r"SC\d{6}|\d{6,7}")
# A BCP 47 language tag, kept lower case: "en", "ar", "prs", "pt-br".
LANGUAGE_PATTERN = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})*")
LANGUAGE_LENGTH = 35
MAX_NAME_LENGTH = 200
MAX_VACANCIES = 1000
MAX_TAGS = 30
MAX_TAG_LENGTH = 40


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


class ProviderProfile(Base):
    """One per provider organisation; ``vacancies_updated_at`` is the last report (UTC)."""

    __tablename__ = "provider_profiles"
    __table_args__ = (
        CheckConstraint(f"ofsted_rating IN ({_in(OFSTED_RATINGS)})", name="ofsted_rating"),
        CheckConstraint("vacancies >= 0", name="vacancies"),
        CheckConstraint("lat >= -90 AND lat <= 90", name="lat"),
        CheckConstraint("lon >= -180 AND lon <= 180", name="lon"),
    )

    org_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    ofsted_urn: Mapped[str] = mapped_column(String(URN_LENGTH), unique=True)
    ofsted_rating: Mapped[str] = mapped_column(String(24))
    lots: Mapped[list[str]] = mapped_column(JSON)
    lat: Mapped[float]
    lon: Mapped[float]
    capabilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    faiths: Mapped[list[str]] = mapped_column(JSON, default=list)
    cultural_competences: Mapped[list[str]] = mapped_column(JSON, default=list)
    vacancies: Mapped[int] = mapped_column(default=0)
    vacancies_updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_on_framework: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    @property
    def id(self) -> str:
        return self.org_id

    @property
    def name(self) -> str:
        return self.organisation.name

    @property
    def location(self) -> dict[str, float]:
        return {"lat": self.lat, "lon": self.lon}
