"""Staff decisions on listings (approve, reject, correct, merge, split) and their log."""
