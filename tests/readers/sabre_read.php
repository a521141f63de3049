<?php
// Read an iCalendar file with sabre/vobject (Nextcloud's parser; Debian's php-sabre-vobject)
// and print its occurrences between two instants as JSON, expanded as a CalDAV server expands
// them (VCalendar::expand: RRULE, EXDATE, RECURRENCE-ID overrides):
//   php sabre_read.php FILE START END      (START, END: YYYYMMDDTHHMMSSZ)
// Per occurrence: uid, start and end (a UTC instant, or the date for all-day ones; end null
// without DTEND), summary, description, location, status, url.
require_once 'Sabre/VObject/includes.php';

use Sabre\VObject;

list(, $file, $first, $last) = $argv;
$utc = new DateTimeZone('UTC');
$calendar = VObject\Reader::read(file_get_contents($file));
$calendar->expand(
    DateTime::createFromFormat('Ymd\THis\Z', $first, $utc),
    DateTime::createFromFormat('Ymd\THis\Z', $last, $utc)
);

function when($property, $utc) {
    if ($property === null) {
        return null;
    }
    $value = $property->getDateTime();
    if ($property->getDateType() == VObject\Property\DateTime::DATE) {
        return $value->format('Y-m-d');
    }
    $copy = clone $value;
    $copy->setTimezone($utc);
    return $copy->format('Y-m-d\TH:i:s\Z');
}

function text($component, $name) {
    if (!isset($component->$name)) {
        return null;
    }
    // sabre/vobject 2 unescapes only \\ and \n in TEXT values (version 4 all of RFC 5545
    // §3.3.11): the rest as version 4 reads it
    return str_replace(array('\\,', '\\;'), array(',', ';'), (string)$component->$name);
}

$found = array();
foreach ($calendar->select('VEVENT') as $event) {
    $found[] = array(
        'uid' => text($event, 'UID'),
        'start' => when($event->DTSTART, $utc),
        'end' => isset($event->DTEND) ? when($event->DTEND, $utc) : null,
        'summary' => text($event, 'SUMMARY'),
        'description' => text($event, 'DESCRIPTION'),
        'location' => text($event, 'LOCATION'),
        'status' => text($event, 'STATUS'),
        'url' => isset($event->URL) ? (string)$event->URL : null,
    );
}
echo json_encode($found, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
