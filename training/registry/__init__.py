"""Registered models, their immutable versions and the aliases (production, staging) that point at them."""
