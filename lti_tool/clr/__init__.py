"""CLR 2.0 / Open Badges 3.0 (pure): credential documents, signing and verifying."""
