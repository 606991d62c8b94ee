"""RightsWatch: consumer-rights protection warehouse (ingestion, validation, dbt, publication)."""
