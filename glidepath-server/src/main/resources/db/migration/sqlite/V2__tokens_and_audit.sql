-- The schema SqliteStore made as user_version 2, unchanged (see V1).
CREATE TABLE tokens (name TEXT PRIMARY KEY, role TEXT NOT NULL, digest TEXT NOT NULL, created TEXT NOT NULL, created_by TEXT NOT NULL,
  revoked TEXT);
CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, token TEXT NOT NULL, user_name TEXT, action TEXT NOT NULL,
  target TEXT, status INTEGER NOT NULL, result TEXT NOT NULL, remote TEXT);
