"""Read functions by concept. Each takes an engine, the ``Viewer`` and usually the
``IncidentFilter`` (see ``cgic_data.scope``) and returns a DataFrame or a small dataclass."""
