"""Emulators of the sales platforms and carriers, speaking their real wire formats.

They import only `kucun.core`, and no domain app imports them.
"""
