"""Scrapy settings for every Lotse crawl: polite, bounded, quiet."""

import json
import os

BOT_NAME = "lotse"
SPIDER_MODULES = ["crawlers.spiders"]
USER_AGENT = "Lotse/0.1 (events and apprenticeship aggregator; +https://lotse.example/bot)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024  # a larger response fails its request, naming its size
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_AFTER_MAX = 120.0  # seconds; a longer Retry-After fails the request until the next pass
RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry without Retry-After, doubling each time
RETRY_BACKOFF_MAX = 60.0
DOWNLOADER_MIDDLEWARES = {  # crawlers/middlewares.py: waits honour Retry-After; sizes named
    "crawlers.guard.PrivateHostGuard": 50,  # first: nothing reaches a private host, not robots.txt
    "crawlers.host_map.HostMapMiddleware": 740,  # before HttpProxyMiddleware (750)
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.PoliteRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawlers.middlewares.SizedDecompressionMiddleware": 590,
    # after decompression, before the meta refresh (580) reads the text
    "crawlers.middlewares.DeclaredEncodingMiddleware": 585,
    "crawlers.middlewares.ResponseSizeMiddleware": 950,
}
# host → local proxy URL (crawlers/host_map.py), e.g. the demo's: LOTSE_HOST_MAP='{"h": "http://…"}'
LOTSE_HOST_MAP: dict[str, str] = json.loads(os.environ.get("LOTSE_HOST_MAP") or "{}")
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "WARNING"
ITEM_PIPELINES = {"crawlers.pipelines.CollectPipeline": 100}
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
