"""Scrapy wiring: settings, spiders, middlewares, the archive pipeline and the crawl runner."""
