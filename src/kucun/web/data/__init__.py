"""The Data screens and API: imports, exports and their history, over core's data engine."""
