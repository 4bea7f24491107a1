-- The same tables as sqlite/V2 (see V1 for the collation).
CREATE TABLE tokens (name TEXT COLLATE "C" PRIMARY KEY, role TEXT NOT NULL, digest TEXT NOT NULL, created TEXT COLLATE "C" NOT NULL,
  created_by TEXT NOT NULL, revoked TEXT);
CREATE TABLE audit (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at TEXT NOT NULL, token TEXT NOT NULL, user_name TEXT,
  action TEXT NOT NULL, target TEXT, status INTEGER NOT NULL, result TEXT NOT NULL, remote TEXT);
