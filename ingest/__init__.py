"""Ingestion: turn PDF, Word, text and HTML files into catalogued, goal-linked passages.

Three stages, one sub-package each: `convert` (file → blocks → sections and passages), `enrich`
(entities and goal links), `store` (the SQLite catalogue, the truth, and keeping the search index in
step with it). `pipeline` runs them for a batch of files; `cli` is the `kunskapsbank` command.
"""
