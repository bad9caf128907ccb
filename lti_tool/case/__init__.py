"""CASE (pure): the model of a framework, parsing, validation, the tree and export."""
