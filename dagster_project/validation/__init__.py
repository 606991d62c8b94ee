"""Great Expectations validation of every delivery loaded into ``raw.<source>``.

Suites live in ``expectations/<source>.json``, rendered from the landing contract (severity
``error``: must hold after quarantine) plus ``distribution_checks.yml`` (severity ``warn``: unusual,
not invalid). They run on pandas frames of one delivery's loaded rows; every expectation's result
is written to ``meta.gx_results``.

    outcome = validate_delivery(con, "orders", "2025-01-31", run_id)
    outcomes = validate_source(con, "orders", run_id)  # every delivery not yet validated
"""

from dagster_project.validation.outcome import ExpectationOutcome, SuiteOutcome
from dagster_project.validation.run import run_suite, validate_delivery, validate_source

__all__ = ["ExpectationOutcome", "SuiteOutcome", "run_suite", "validate_delivery", "validate_source"]
