"""Streamlit-side helpers shared by app.py and the pages: the store handle, cached queries, the
shared sidebar filter and page context, figure builders. Pages hold layout; SQL stays in cgic_data."""
