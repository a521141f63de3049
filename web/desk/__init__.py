"""The staff review desk: server-rendered pages behind a login (web.desk.routes)."""
