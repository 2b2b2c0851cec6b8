"""Custody: locator."""
