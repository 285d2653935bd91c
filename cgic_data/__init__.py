"""The CGIC data layer: schema, store, scope, queries, metrics, feeds. Imports no Streamlit."""
