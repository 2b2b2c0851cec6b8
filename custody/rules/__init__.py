"""Custody: rules."""
