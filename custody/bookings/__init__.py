"""Custody: bookings."""
