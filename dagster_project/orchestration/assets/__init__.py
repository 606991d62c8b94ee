"""Dagster assets, one module per domain: landing ingestion, dbt models, publication."""
