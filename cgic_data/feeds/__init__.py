"""Feeds: the LIMS ↔ RMS sharing interface — formats, mappings, validation, loading, export and the
drop-folder watcher. Entry points: ``load.import_file`` / ``load.import_bytes``,
``export.export_feed``, ``watch.watch``; on the command line ``cgic import|export|watch``."""
