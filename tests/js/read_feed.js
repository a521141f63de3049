// Read an iCalendar file as a client does and print its events as JSON on stdout:
//   node read_feed.js ical.js|node-ical FILE
// Per VEVENT: uid, start and end (a UTC instant for timed events, the date for all-day ones),
// summary, description, location and status, as the library hands them to an app.
const fs = require("fs");

const [reader, file] = process.argv.slice(2);
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
      end: event.endDate ? when(event.endDate) : null,
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
  return Object.values(ical.sync.parseICS(text))
    .filter((entry) => entry.type === "VEVENT")
    .map((event) => ({
      uid: event.uid,
      start: when(event.start),
      end: event.end ? when(event.end) : null,
      summary: value(event.summary),
      description: value(event.description),
      location: value(event.location) ?? null,
      status: event.status,
    }));
}

const readers = { "ical.js": withIcalJs, "node-ical": withNodeIcal };
process.stdout.write(JSON.stringify(readers[reader]()));
