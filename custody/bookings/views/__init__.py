"""People, intake and booking pages: one blueprint, three modules."""

from __future__ import annotations

from custody.bookings.views import booking, intake, people
from custody.bookings.views.blueprint import bp

__all__ = ["booking", "bp", "intake", "people"]
