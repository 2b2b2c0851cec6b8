"""Custody: facilities."""
