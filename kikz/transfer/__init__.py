"""The Digital Forum: the transfer space shared by the Smart-KIKZ cities.

Project and solution entries (lead and partner cities, problem, solution, data, technology, licence, costs,
operation, lessons learned, maturity), "reused by" links when another city adopts a solution, events of the
Digital Forum format, comments by staff of member cities, guest invitations and a city comparison. Who reads,
writes, comments and invites is decided by :mod:`kikz.tenancy.permissions` (see docs/transfer.md).
"""
