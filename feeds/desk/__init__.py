"""The staff review desk: server-rendered pages behind a login (feeds.desk.routes)."""
