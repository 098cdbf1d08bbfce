"""Hypothesis strategies building object graphs of the schema under test."""
