"""Site knowledge as data: the portal families and the registry of wards."""
