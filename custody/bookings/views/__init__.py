"""People, intake and booking pages: one blueprint, three modules."""

from __future__ import annotations

from custody.bookings.views import booking, counsel, intake, people
from custody.bookings.views.blueprint import bp

__all__ = ["booking", "bp", "counsel", "intake", "people"]
