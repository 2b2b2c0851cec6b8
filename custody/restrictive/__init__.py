"""Custody: restrictive."""
