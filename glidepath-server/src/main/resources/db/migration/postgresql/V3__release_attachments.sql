-- The files a release file names beside it (a fleet file), as read at submission: a JSON object, path to text.
ALTER TABLE releases ADD COLUMN attachments TEXT;
