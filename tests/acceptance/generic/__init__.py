"""Acceptance suite for `family = "generic"` (issue 12), written from the issue and README only."""
