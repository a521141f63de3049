#!/usr/bin/env bash
# The Integreat CMS's own external-calendar import code, for the tests that feed it our
# Integreat profile (tests/cms/): the integreat-cms package from PyPI in its own venv
# (.venv-cms), on icalendar 6 as the CMS runs (it breaks on 7).
# integreat-cms names django-celery, whose old dependency anyjson no longer builds: the package
# is installed without it, then every other dependency it declares.
set -euo pipefail
cd "$(dirname "$0")/.."
CMS_VERSION=2026.7.1
VENV=.venv-cms
PYTHON="${PYTHON:-python3}"
if [ -f "$VENV/.ready-$CMS_VERSION" ]; then exit 0; fi
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
"$VENV/bin/pip" install -q --no-deps "integreat-cms==$CMS_VERSION"
"$VENV/bin/python" - > "$VENV/requirements.txt" <<'PY'
from importlib.metadata import requires
for line in requires("integreat-cms") or []:
    name = line.split(";")[0].strip()
    if "extra ==" not in line and not name.lower().startswith("django-celery"):
        print(name)
PY
# django-debug-toolbar 6+ declares models the CMS's settings do not install
"$VENV/bin/pip" install -q -r "$VENV/requirements.txt" "icalendar>=6,<7" "django-debug-toolbar<6" \
  2>&1 | grep -v -e "^WARNING: Location" -e "dependency conflicts" -e "requires django-celery" \
  -e "resolver does not currently" || true
"$VENV/bin/python" -c "import icalendar, integreat_cms; assert icalendar.__version__.startswith('6.')"
touch "$VENV/.ready-$CMS_VERSION"
