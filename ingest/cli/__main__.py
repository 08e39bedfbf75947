"""`python -m ingest.cli` runs the `kunskapsbank` command."""
import sys

from ingest.cli import main

sys.exit(main())
