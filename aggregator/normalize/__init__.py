"""What the normalizers of every source kind share (each kind's own is in aggregator/kinds/).

``context``: what a normalizer is given and how it refuses a record (RecordProblem);
``drafts``: what it returns; ``finish``: what every draft goes through afterwards;
``schema_org``: reading schema.org items (for the crawlers' extractor too).
"""
