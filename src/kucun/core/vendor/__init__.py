"""What every vendor adapter shares, channels and carriers alike: errors, an HTTP client with
limits and retries, and the declaration of a form field. Plain Python: no Django, no Kucun
domain, so that adapters (which import no other Kucun module) may use it."""
