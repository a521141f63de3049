"""Apprenticeships: drafts linked to canonical postings, matching, occupations, search."""
