"""Stage 3 of ingest: the SQLite catalogue (the source of truth) and the sync that keeps the derived
search index in step with it."""
