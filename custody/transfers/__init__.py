"""Transfers between facilities: request, approval, medical clearance, departure, arrival."""
