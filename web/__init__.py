"""The web app behind `lotse serve`: feeds over HTTP, the public pages, the staff desk, /metrics."""
