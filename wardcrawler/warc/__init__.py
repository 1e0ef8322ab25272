"""WARC captures: writing every response, reading them back, rebuilding an archive from them."""
