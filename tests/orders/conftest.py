"""Fixtures shared by the orders tests live in their own modules (imported where used)."""
