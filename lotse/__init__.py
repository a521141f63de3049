"""Lotse: local events and apprenticeships, gathered, deduplicated, published as iCal and JSON."""
