"""Number and date formats where Kucun differs from Django's defaults for a language."""
