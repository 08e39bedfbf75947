"""Ingestion: turn PDF, Word, text and HTML files into catalogued, goal-linked passages."""
