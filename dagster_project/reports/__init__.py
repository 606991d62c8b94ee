"""Regulator reports: monthly (and weekly) PDF, Excel and CSV files with a signed manifest.

``build.build_report`` writes one period's files from the published marts; ``manifest`` signs and
verifies them; ``delivery`` sends approved reports; ``definitions`` holds the Dagster assets, jobs,
schedules and sensor; ``cli`` the ``rightswatch report`` command.
"""
