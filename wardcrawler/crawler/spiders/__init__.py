"""The spiders: live portals (`wards`) and the web archive (`wayback`)."""
