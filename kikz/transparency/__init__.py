"""Transparency for citizens: AI register, citizen information and the Citizen Lab."""
