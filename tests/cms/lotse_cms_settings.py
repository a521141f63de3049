"""The least Django set-up the Integreat CMS's import code needs to be imported and run: its
own settings (integreat_cms.core.settings, which read INTEGREAT_CMS_* variables); no database
is opened by the calls tests/cms/import_feed.py makes."""

import os

os.environ.setdefault("INTEGREAT_CMS_SECRET_KEY", "lotse-tests-only")
os.environ.setdefault("INTEGREAT_CMS_DEBUG", "False")

from integreat_cms.core.settings import *  # noqa: E402,F403
