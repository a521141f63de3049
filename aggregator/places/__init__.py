"""Places: where a listing is, mapped onto the county's municipalities."""
