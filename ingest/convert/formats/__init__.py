"""Format readers, one module per file format: each turns one file into a `ConvertedDocument`."""
