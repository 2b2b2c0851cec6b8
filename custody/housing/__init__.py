"""Custody: housing."""
