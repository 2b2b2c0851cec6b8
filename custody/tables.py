"""Every custody table, imported for SQLAlchemy's metadata (Alembic's env, the app)."""

from custody.bookings import models as bookings
from custody.counsel import models as counsel
from custody.facilities import models as facilities
from custody.housing import models as housing
from custody.legal import models as legal
from custody.people import models as people
from custody.releases import models as releases
from custody.restrictive import models as restrictive
from custody.rules import models as rules
from custody.transfers import models as transfers

__all__ = [
    "bookings",
    "counsel",
    "facilities",
    "housing",
    "legal",
    "people",
    "releases",
    "restrictive",
    "rules",
    "transfers",
]
