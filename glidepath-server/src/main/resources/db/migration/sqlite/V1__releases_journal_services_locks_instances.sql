-- The schema SqliteStore made as user_version 1, unchanged: stores made before Flyway are baselined at
-- their user_version and must match these tables exactly.
CREATE TABLE releases (id TEXT PRIMARY KEY, file TEXT NOT NULL, source TEXT NOT NULL, base_dir TEXT NOT NULL,
  services TEXT NOT NULL, submitted_by TEXT NOT NULL, submitted TEXT NOT NULL, outcome TEXT, reason TEXT, finished TEXT);
CREATE TABLE events (release_id TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, json TEXT NOT NULL,
  PRIMARY KEY (release_id, seq));
CREATE TABLE services (name TEXT PRIMARY KEY, current_version TEXT NOT NULL, previous_version TEXT, last_release TEXT NOT NULL,
  updated TEXT NOT NULL);
CREATE TABLE locks (service TEXT PRIMARY KEY, release_id TEXT NOT NULL);
CREATE TABLE instances (id TEXT PRIMARY KEY, service TEXT NOT NULL, version TEXT NOT NULL, address TEXT NOT NULL,
  pid INTEGER NOT NULL, process_start TEXT NOT NULL, log TEXT NOT NULL, started_at TEXT NOT NULL);
