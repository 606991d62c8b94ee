"""RightsWatch dashboards (Streamlit): read-only views of the published marts, by role."""
