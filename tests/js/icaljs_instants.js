// Read an iCalendar file with Mozilla's ical.js (Thunderbird's parser) and print, per VEVENT,
// its UID and start: a UTC instant for timed events, the date for all-day ones. JSON on stdout.
const fs = require("fs");
const ICAL = require("ical.js");

const component = new ICAL.Component(ICAL.parse(fs.readFileSync(process.argv[2], "utf8")));
for (const zone of component.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(zone));
}
const events = component.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  const start = event.startDate;
  return {
    uid: event.uid,
    start: start.isDate ? start.toString() : start.toJSDate().toISOString(),
  };
});
process.stdout.write(JSON.stringify(events));
