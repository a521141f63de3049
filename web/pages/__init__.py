"""The public pages for newcomers: events and apprenticeships, on a phone, in their language."""
