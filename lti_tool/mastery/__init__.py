"""The mastery engine (pure): evidence, proficiency scales, calculation methods, rollups."""
