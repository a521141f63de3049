"""Run the Integreat CMS's own external-calendar import code (integreat-cms from PyPI, in
.venv-cms on icalendar 6) over a calendar file, the way its nightly import does per VEVENT
(integreat_cms/cms/utils/external_calendar_utils.py, import_event):

- ``IcalEventData.from_ical_event`` reads the event (a ValueError: the CMS logs an error and
  creates nothing);
- an event without the calendar's filter category is skipped;
- ``to_recurrence_rule_form_data`` and the CMS's ``RecurrenceRuleForm`` read the rule (invalid:
  nothing created); the form's unsaved RecurrenceRule gives the dates (``iter_after``).

Prints JSON: per event that the CMS would create, its fields and its dates; per refused one
the error.  Usage (from the repository root):
    .venv-cms/bin/python tests/cms/import_feed.py FILE [FILTER_CATEGORY]
No database is touched: the import's look-ups of earlier imports are left out.
"""

import json
import logging
import os
import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lotse_cms_settings")

import django  # noqa: E402

django.setup()

import icalendar  # noqa: E402
from integreat_cms.cms.forms import RecurrenceRuleForm  # noqa: E402
from integreat_cms.cms.utils.external_calendar_utils import IcalEventData  # noqa: E402

LOGGER = logging.getLogger("lotse-cms-import")
MAX_DATES = 500


def text(value):
    return None if value is None else value.isoformat()


def main(path, filter_category=""):
    calendar = icalendar.Calendar.from_ical(Path(path).read_bytes())
    external = SimpleNamespace(id=1, region=SimpleNamespace(timezone="Europe/Berlin"))
    created, refused = [], []
    for event in calendar.walk("VEVENT"):
        try:
            data = IcalEventData.from_ical_event(event, "de", external, LOGGER, None)
        except (ValueError, KeyError) as error:
            refused.append({"uid": str(event.get("UID")), "error": repr(error)})
            continue
        if filter_category and not any(c == filter_category for c in data.categories):
            continue
        try:
            rule_data = data.to_recurrence_rule_form_data()
        except ValueError as error:
            refused.append({"uid": data.event_id, "error": repr(error)})
            continue
        dates = [data.start_date]
        if rule_data:
            form = RecurrenceRuleForm(data=rule_data)
            if not form.is_valid():
                refused.append({"uid": data.event_id, "error": form.errors.as_text()})
                continue
            rule = form.save(commit=False)
            dates = []
            for day in rule.iter_after(data.start_date):
                dates.append(day)
                if len(dates) >= MAX_DATES:
                    break
        created.append(
            {
                "uid": data.event_id,
                "title": data.title,
                "content": data.content,
                "start_date": text(data.start_date),
                "start_time": text(data.start_time),
                "end_date": text(data.end_date),
                "end_time": text(data.end_time),
                "all_day": data.is_all_day,
                "recurring": bool(rule_data),
                "categories": [str(c) for c in data.categories],
                "dates": [text(day) for day in dates],
            }
        )
    json.dump({"created": created, "refused": refused}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(*sys.argv[1:3])
