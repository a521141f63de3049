// Read an iCalendar file as a client does and print its events as JSON on stdout:
//   node read_feed.js ical.js|node-ical FILE
//   node read_feed.js ical.js-expand FILE END        (END: an ISO instant)
// Per VEVENT: uid, start and end (a UTC instant for timed events, the date for all-day ones),
// summary, description, location and status, as the library hands them to an app.
// ical.js-expand: per occurrence up to END, as Thunderbird expands a series (RRULE, RDATE,
// EXDATE; an override with RECURRENCE-ID related to its series); end null without DTEND.
const fs = require("fs");

const [reader, file, until] = process.argv.slice(2);
const text = fs.readFileSync(file, "utf8");

function pad(number) {
  return String(number).padStart(2, "0");
}

function instant(date) {
  return date.toISOString().replace(".000Z", "Z");
}

function withIcalJs() {
  const ICAL = require("ical.js");
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(zone));
  }
  const when = (time) => (time.isDate ? time.toString() : instant(time.toJSDate()));
  return calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      start: when(event.startDate),
      end: vevent.hasProperty("dtend") || vevent.hasProperty("duration") ? when(event.endDate) : null,
      summary: event.summary,
      description: event.description,
      location: event.location ?? null,
      status: vevent.getFirstPropertyValue("status"),
    };
  });
}

function withNodeIcal() {
  const ical = require("node-ical");
  const value = (field) => (field && typeof field === "object" ? field.val : field);
  const when = (date) =>
    date.dateOnly
      ? `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
      : instant(date);
  // node-ical sets an end equal to the start where DTEND is missing: read the VEVENT's own
  const ends = new Set(
    text.split("BEGIN:VEVENT").slice(1).filter((block) => /\r?\nDTEND[;:]/.test(block))
      .map((block) => /\r?\nUID:([^\r\n]*)/.exec(block)[1]),
  );
  return Object.values(ical.sync.parseICS(text))
    .filter((entry) => entry.type === "VEVENT")
    .map((event) => ({
      uid: event.uid,
      start: when(event.start),
      end: event.end && ends.has(event.uid) ? when(event.end) : null,
      summary: value(event.summary),
      description: value(event.description),
      location: value(event.location) ?? null,
      status: event.status,
    }));
}

function withIcalJsExpanded() {
  const ICAL = require("ical.js");
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(zone));
  }
  const last = ICAL.Time.fromJSDate(new Date(until), true);
  const when = (time) => (time.isDate ? time.toString() : instant(time.toJSDate()));
  const hasEnd = (component) => component.hasProperty("dtend") || component.hasProperty("duration");
  const seen = (component, start, end) => ({
    uid: component.getFirstPropertyValue("uid"),
    start: when(start),
    end: hasEnd(component) ? when(end) : null,
    summary: component.getFirstPropertyValue("summary"),
    description: component.getFirstPropertyValue("description"),
    location: component.getFirstPropertyValue("location") ?? null,
    status: component.getFirstPropertyValue("status"),
  });
  const vevents = calendar.getAllSubcomponents("vevent");
  const events = new Map();
  const found = [];
  for (const vevent of vevents) {
    const uid = vevent.getFirstPropertyValue("uid");
    if (!vevent.hasProperty("recurrence-id")) {
      events.set(uid, new ICAL.Event(vevent));
    }
  }
  for (const vevent of vevents) {
    const uid = vevent.getFirstPropertyValue("uid");
    if (vevent.hasProperty("recurrence-id")) {
      if (events.has(uid)) events.get(uid).relateException(vevent);
      else found.push(seen(vevent, new ICAL.Event(vevent).startDate, new ICAL.Event(vevent).endDate));
    }
  }
  for (const event of events.values()) {
    if (!event.isRecurring()) {
      found.push(seen(event.component, event.startDate, event.endDate));
      continue;
    }
    const iterator = event.iterator();
    for (let next = iterator.next(); next && next.compare(last) < 0; next = iterator.next()) {
      const details = event.getOccurrenceDetails(next);
      found.push(seen(details.item.component, details.startDate, details.endDate));
    }
  }
  return found;
}

const readers = {
  "ical.js": withIcalJs,
  "ical.js-expand": withIcalJsExpanded,
  "node-ical": withNodeIcal,
};
process.stdout.write(JSON.stringify(readers[reader]()));
