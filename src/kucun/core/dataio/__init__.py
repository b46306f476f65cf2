"""Bulk import and export: the engine shared by every kind, its history, and its files.

Each app says what its kinds are (catalog.importers, inventory.importers, and the exporters
beside them); this package reads the file, maps the header, runs the validation, writes
everything or nothing, keeps the history and serves the files.
"""
