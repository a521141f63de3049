"""The one item pipeline: collect a spider's raw records and problems into its CrawlResult."""

from __future__ import annotations

from aggregator.crawl_result import Problem, RawRecord


class CollectPipeline:
    def process_item(self, item: RawRecord | Problem, spider) -> RawRecord | Problem:  # noqa: ANN001
        if isinstance(item, RawRecord):
            spider.result.records.append(item)
        else:
            spider.result.problems.append(item)
            spider.result.complete = spider.result.complete and not item.partial
        return item
