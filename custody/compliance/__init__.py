"""Compliance with the detention standards: the clocks as a facility reads them (the
JSON list, the dashboard page and the dashboard panels)."""
