"""Where the pinned interoperability files (contexts, schemas) live: `standards/` in the project."""

from __future__ import annotations

from pathlib import Path

STANDARDS_DIR = Path(__file__).resolve().parent.parent / "standards"
