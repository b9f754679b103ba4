"""The benchmark behind `manage.py bench`: deterministic data at scale, and what the pages cost on it."""
