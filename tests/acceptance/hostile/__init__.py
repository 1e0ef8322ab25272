"""Acceptance suite: a hostile web (fault server on 127.0.0.1, a foreign host on 127.0.0.2)."""
