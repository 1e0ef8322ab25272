"""Scrapy settings: polite defaults, the store pipeline. Override any with `-s NAME=VALUE`."""

BOT_NAME = "wardcrawler"
SPIDER_MODULES = ["wardcrawler.crawler.spiders"]
NEWSPIDER_MODULE = "wardcrawler.crawler.spiders"

USER_AGENT = "wardcrawler/0.1 (+https://github.com/wardcrawler/wardcrawler; archive of ward news)"
ROBOTSTXT_OBEY = True

# One request at a time per portal, a second between the end of one answer and the next request
# (longer if the portal is slow), and every portal at once: a crawl sets CONCURRENT_REQUESTS to
# the number of its portals, at most WARDCRAWLER_MAX_CONCURRENT_REQUESTS (and what the file
# descriptors allow; crawler/concurrency.py). `-s CONCURRENT_REQUESTS=N` fixes it.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
CONCURRENT_ITEMS = 10
# Scrapy's own downloader lets a slot start all its queued requests at once when there is no
# download delay; this one keeps each portal to CONCURRENT_REQUESTS_PER_DOMAIN whatever the delay.
DOWNLOADER = "wardcrawler.crawler.downloader.PoliteDownloader"
# Each portal's requests wait in the scheduler until the downloader has room for that portal, and
# every portal with work gets its turn (crawler/scheduling.py); start requests reach the
# scheduler WARDCRAWLER_START_BATCH at a time (crawler/middlewares/start_batches.py).
SCHEDULER_PRIORITY_QUEUE = "wardcrawler.crawler.scheduling.PortalQueue"
DOWNLOAD_DELAY = 1.0  # counted from the end of the previous answer (PoliteDownloader)
DOWNLOAD_DELAY_JITTER = 0.0  # Scrapy's ±50 % would let requests come half a second apart
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
# Pages: article and listing pages weigh 50-300 kB (a few MB with pasted images); the limit also
# caps decompressed bodies (gzip bombs). Documents have their own WARDCRAWLER_ATTACHMENT_MAX_BYTES.
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024

# https as gov.vn serves it: TLS 1.0+, 1024-bit keys and SHA-1 accepted (as a browser would, with a
# warning); modern servers still get TLS 1.3. Twisted drops @SECLEVEL from cipher settings: the
# handler applies it to each connection.
DOWNLOAD_HANDLERS = {"https": "wardcrawler.crawler.tls.LegacyTLSDownloadHandler"}
DOWNLOAD_TLS_MIN_VERSION = "TLSv1.0"
DOWNLOADER_CLIENT_TLS_CIPHERS = "DEFAULT:@SECLEVEL=0"

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no control server for unattended runs
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {"wardcrawler.crawler.pipelines.ArchivePipeline": 500}
SPIDER_MIDDLEWARES = {
    # Closest to the engine (after Scrapy's StartSpiderMiddleware, 25, has marked start requests).
    "wardcrawler.crawler.middlewares.start_batches.StartBatchesMiddleware": 10,
    "wardcrawler.crawler.middlewares.incremental.IncrementalMiddleware": 950,
}
DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt (100): nothing, not even robots.txt, is asked of a host off the site.
    "wardcrawler.crawler.middlewares.own_site.OwnSiteMiddleware": 50,
    # Closest to the network: captures responses before decompression, redirects and retries.
    "wardcrawler.crawler.middlewares.warc_capture.WarcCaptureMiddleware": 990,
    "wardcrawler.crawler.middlewares.crawl_delay.CrawlDelayMiddleware": 980,
    # 429 and Retry-After, before retries
    "wardcrawler.crawler.middlewares.retry_after.RetryAfterMiddleware": 560,
}

# wardcrawler's own settings.
WARDCRAWLER_DB = "archive/wards.db"
WARDCRAWLER_WARDS_FILE = ""  # empty: the registry shipped in the package
WARDCRAWLER_WARDS = ""  # comma-separated slugs; empty: every ward
WARDCRAWLER_SHARD = ""  # K/N: only the wards of shard K of N (portals/shards.py); empty: all
WARDCRAWLER_BASE_DB = ""  # a shard's new database is seeded from this archive (store/seed.py)
WARDCRAWLER_MAX_CONCURRENT_REQUESTS = 4096  # requests in flight, all portals together
# Responses under way and waiting to be parsed, in bytes: more transfers wait (downloader.py).
WARDCRAWLER_RESPONSE_BUDGET_BYTES = 16 * 1024 * 1024
WARDCRAWLER_START_BATCH = 1000  # start requests handed to the scheduler per turn of the engine
# `crawl` (--processes auto, the default): a process per core, each with at least this many portals.
WARDCRAWLER_PORTALS_PER_PROCESS = 200
WARDCRAWLER_MAX_LISTING_PAGES = 500  # per category and run: a guard against endless pagers
WARDCRAWLER_CATCHUP_LISTING_PAGES = 20  # incremental runs: pages of new articles per category
WARDCRAWLER_FULL = False  # True: re-fetch every listing page and every stored article
WARDCRAWLER_REFRESH_DAYS = 30  # incremental runs re-fetch articles posted this recently
WARDCRAWLER_ATTACHMENT_MAX_BYTES = 20_000_000  # documents linked from articles; 0: none
WARDCRAWLER_COMMIT_ITEMS = 100  # items per archive transaction (a kill loses at most these)
WARDCRAWLER_COMMIT_SECONDS = 2.0  # ... and at most this long after the first of them
WARDCRAWLER_WARC_DIR = ""  # empty: a `warc/` folder beside the database; "off": no WARC files
WARDCRAWLER_WARC_MAX_BYTES = 500_000_000  # rotate WARC files at about this size
WARDCRAWLER_MAX_CRAWL_DELAY = 60.0  # seconds: the most of a robots.txt Crawl-delay honoured
WARDCRAWLER_MIN_FREE_BYTES = 16 * 1024 * 1024  # less free space on the archive's disks: exit 4
WARDCRAWLER_THROTTLED_RETRIES = 20  # tries of a request answered 429 (waiting as asked)
# `wardcrawler backfill`: the web archive and the captures to read.
WARDCRAWLER_ARCHIVE_URL = "https://web.archive.org"
WARDCRAWLER_FROM = ""  # YYYY[MM[DD...]]: captures from
WARDCRAWLER_TO = ""  # YYYY[MM[DD...]]: captures until
WARDCRAWLER_CDX_PAGE_SIZE = 1000
