"""Data governance: profiling, classification, categorisation, quality, and the governance workflows."""
