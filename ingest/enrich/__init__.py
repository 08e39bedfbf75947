"""Stage 2 of ingest: knowledge about passages — entities (projects, organisations, places,
programmes) and links to the goals of the goal frameworks, with their evidence."""
