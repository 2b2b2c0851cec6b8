"""Custody: people."""
