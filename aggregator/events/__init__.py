"""Events: drafts linked to canonical listings, matching, categories, reading them back."""
