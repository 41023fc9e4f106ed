"""Municipalities, users, roles, login and the one permission policy."""
