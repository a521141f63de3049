"""Staff decisions on listings: approve, reject, correct, merge, split (each logged:
aggregator/review_log.py)."""
