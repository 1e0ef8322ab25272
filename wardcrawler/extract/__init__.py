"""Pure extraction: an HTML page of a known family -> listing entries or article fields."""
