"""Releases from custody: the reason from a controlled list, property returned item by
item against the intake receipt, the continuity-of-care hand-over, the notifications a
death in custody requires, the bed freed and the booking closed (`BookingReleased`)."""
