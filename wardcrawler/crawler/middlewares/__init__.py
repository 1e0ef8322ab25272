"""The crawl's Scrapy components: incremental crawling, WARC capture, Retry-After."""
