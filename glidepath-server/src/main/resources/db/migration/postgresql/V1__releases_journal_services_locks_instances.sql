-- The same tables as sqlite/V1, in PostgreSQL's terms. Times are ISO-8601 text as in SQLite, so both
-- stores read and order them alike; COLLATE "C" on the columns rows are ordered by gives SQLite's
-- byte order whatever the database's locale. releases.ord stands in for SQLite's rowid: the order
-- of insertion, which breaks ties between releases submitted at the same instant.
CREATE TABLE releases (id TEXT PRIMARY KEY, file TEXT NOT NULL, source TEXT NOT NULL, base_dir TEXT NOT NULL,
  services TEXT NOT NULL, submitted_by TEXT NOT NULL, submitted TEXT COLLATE "C" NOT NULL, outcome TEXT, reason TEXT, finished TEXT,
  ord BIGINT GENERATED ALWAYS AS IDENTITY);
CREATE TABLE events (release_id TEXT NOT NULL, seq BIGINT NOT NULL, at TEXT NOT NULL, json TEXT NOT NULL,
  PRIMARY KEY (release_id, seq));
CREATE TABLE services (name TEXT COLLATE "C" PRIMARY KEY, current_version TEXT NOT NULL, previous_version TEXT, last_release TEXT NOT NULL,
  updated TEXT NOT NULL);
CREATE TABLE locks (service TEXT PRIMARY KEY, release_id TEXT NOT NULL);
CREATE TABLE instances (id TEXT COLLATE "C" PRIMARY KEY, service TEXT NOT NULL, version TEXT NOT NULL, address TEXT NOT NULL,
  pid BIGINT NOT NULL, process_start TEXT NOT NULL, log TEXT NOT NULL, started_at TEXT COLLATE "C" NOT NULL);
