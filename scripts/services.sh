#!/usr/bin/env bash
# Start what the test suite needs and is not running: PostgreSQL, Redis, Chromium; install the
# parsers the feed tests read our calendars with: PHP with sabre/vobject (Nextcloud's parser),
# libical through GObject introspection for Debian's python3 (Evolution's parser).
# Installs a missing one with apt-get (the machine runs as root). Fails loudly.
set -euo pipefail

apt_updated=0
need_pkg() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  need_pkg postgresql
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

command -v redis-server >/dev/null || need_pkg redis-server
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping

[ -x /usr/bin/chromium ] || need_pkg chromium
command -v node >/dev/null || need_pkg nodejs npm
{ command -v php >/dev/null && [ -f /usr/share/php/Sabre/VObject/includes.php ]; } \
  || need_pkg php-cli php-sabre-vobject
/usr/bin/python3 -c "import gi; gi.require_version('ICalGLib', '3.0')" 2>/dev/null \
  || need_pkg python3-gi gir1.2-ical-3.0
