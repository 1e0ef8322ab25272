"""The archive's Datasette site: serving, search, downloads, the plugin, templates, metadata."""
