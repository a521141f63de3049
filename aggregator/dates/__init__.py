"""Dates and times: the local zone, German dates in text, structured times, recurrence rules."""
