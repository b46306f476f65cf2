"""Demo data for trying Kucun, and the `kucun demo` command that loads it."""
