"""The Wayback Machine: its CDX and replay interfaces, and the pipeline that stores a backfill."""
