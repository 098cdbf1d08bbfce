"""Findings report plugin (placeholder; the reporting engineer fills it)."""
