"""The two warehouse files: the work DB the pipeline writes (``work_db``) and the published file the
dashboards and reports read (``publish``), with the KPI limits and memory settings both use."""
