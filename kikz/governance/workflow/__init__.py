"""Governance organisation: responsibilities, four-eyes proposals, publication gate, access requests."""
