"""Kucun: multi-channel inventory management for online merchants."""

__version__ = "0.1.0"
