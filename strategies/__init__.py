"""Hypothesis strategies building object graphs of the schema under test.

``registry`` (strategies/registry.py) maps each table to its entry; the V1
entries are in strategies/v1.py; ``graphs`` (strategies/graphs.py) draws
whole graphs from a catalog.
"""
