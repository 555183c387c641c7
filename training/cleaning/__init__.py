"""Cleaning: a raw corpus in, a cleaned, de-identified, deduplicated corpus out (never in place)."""
