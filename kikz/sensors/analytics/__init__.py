"""Decision analytics for traffic counters: incidents, gap filling, before/after comparison, forecast.

Everything works on in-memory :class:`~kikz.sensors.kpi.CountSeries` and returns plain, self-describing
dataclasses (German text, the method's definition, the numbers used) that pages and APIs render.
"""
