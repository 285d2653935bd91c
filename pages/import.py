"""Import: load a LIMS, RMS or NIBIN file by hand — preview, validate, load — and the history."""

import streamlit as st

from cgic_data.feeds import batches
from cgic_data.feeds.formats import FEEDS
from cgic_data.feeds.load import CHECKED, FAILED, OK, PARTIAL, ImportResult, import_bytes
from cgic_data.feeds.mapping import MappingError, load_mapping, mapping_from_text
from cgic_data.feeds.preview import available_mappings, preview
from cgic_ui.context import page_context
from cgic_ui.exports import csv_download
from cgic_ui.runtime import cached, store
from cgic_ui.tables import MISSING

RESULT_KEY = "cgic_import_result"
NO_MAPPING = "None: the file uses our column names"
UPLOAD_MAPPING = "Upload a mapping file…"
SHOWN_PROBLEMS = 1000

ctx = page_context()


def show_result(result: ImportResult) -> None:
    """The outcome of a check or a load: counts, problems, the rejects file."""
    title = (
        "Checked — nothing was written"
        if result.status == CHECKED
        else f"Batch {result.batch_id}: {result.status}"
    )
    box = {OK: st.success, PARTIAL: st.warning, CHECKED: st.info}.get(result.status, st.error)
    box(f"**{title}** — {result.feed}, {result.file_name}")
    counts = {
        "Rows in": result.rows_in,
        "Inserted": result.inserted,
        "Updated": result.updated,
        "Unchanged": result.unchanged,
        "Rejected": result.rejected,
        "Held": result.held,
    }
    for column, (label, value) in zip(st.columns(len(counts)), counts.items(), strict=True):
        column.metric(label, f"{value:,}", border=True)
    if result.source_rows != result.rows_in and result.status != FAILED:
        st.caption(f"{result.source_rows:,} data lines folded into {result.rows_in:,} records.")
    if result.held:
        st.caption(
            "Held rows name an incident, item, firearm or lead the store does not have yet: "
            "import the rejects file again once it has arrived (the drop folder does this itself)."
        )
    if result.message:
        st.info(result.message, icon=":material/info:")
    if result.problems:
        st.subheader("Problems")
        st.dataframe(
            [
                {
                    "line": p.line,
                    "column": p.column,
                    "value": p.value,
                    "kind": p.kind.value,
                    "expected": p.expected,
                }
                for p in result.problems[:SHOWN_PROBLEMS]
            ],
            hide_index=True,
            placeholder=MISSING,
        )
        if len(result.problems) > SHOWN_PROBLEMS:
            st.caption(f"The first {SHOWN_PROBLEMS:,} of {len(result.problems):,} problems.")
    if result.rejects:
        stem = result.file_name.split(".")[0]
        csv_download(
            result.rejects_frame(),
            f"{stem}.rejects.csv",
            f"import rejects of {result.file_name}",
            label="Download the rejected rows",
        )


st.title("Import")
st.caption(
    "Load an export from a LIMS, an RMS or NIBIN by hand. Nightly exports can instead be dropped "
    "in the folder `cgic watch` polls. Columns, formats and mapping files: `docs/feeds.md`."
)
load_tab, history_tab = st.tabs(["Load a file", "Recent imports"])

with load_tab:
    left, right = st.columns(2)
    feed_name = left.selectbox(
        "Feed",
        list(FEEDS),
        index=list(FEEDS).index("incidents"),
        format_func=lambda n: f"{FEEDS[n].title} ({n})",
        key="import_feed",
    )
    left.caption(FEEDS[feed_name].description)
    mappings = available_mappings(feed_name)
    choice = right.selectbox(
        "Mapping", [NO_MAPPING, *mappings, UPLOAD_MAPPING], key="import_mapping"
    )
    mapping, mapping_error = None, None
    try:
        if choice in mappings:
            mapping = load_mapping(mappings[choice])
        elif choice == UPLOAD_MAPPING:
            mapping_file = right.file_uploader("Mapping (YAML)", type=["yaml", "yml"])
            if mapping_file is not None:
                text = mapping_file.getvalue().decode("utf-8", errors="replace")
                mapping = mapping_from_text(text, mapping_file.name)
                if mapping.feed != feed_name:
                    mapping_error = f"{mapping_file.name} is a mapping for {mapping.feed}"
    except MappingError as exc:
        mapping_error = str(exc)
    if mapping is not None and mapping.description:
        right.caption(mapping.description)
    strict = st.checkbox("Strict: refuse the whole file if any row is bad", key="import_strict")
    if feed_name == "nibin_leads":
        st.caption(
            "NIBIN leads are **investigative leads — not forensic identifications** — until an "
            "examiner confirms them."
        )
    upload = st.file_uploader(
        "Feed file (CSV or JSON lines, optionally gzip)",
        type=["csv", "txt", "jsonl", "ndjson", "json", "gz"],
        key="import_file",
    )
    if mapping_error:
        st.error(f"Mapping: {mapping_error}")
    elif upload is not None:
        data = upload.getvalue()
        shown = preview(data, upload.name, feed_name, mapping)
        if shown.error:
            st.error(f"This file cannot be imported: {shown.error}")
        else:
            st.subheader("Preview")
            first = len(shown.raw) if shown.raw is not None else 0
            st.caption(f"{shown.source_rows:,} data rows ({shown.format}); the first {first}:")
            as_file, as_ours = st.tabs(["As the file has them", "As our columns"])
            as_file.dataframe(shown.raw, hide_index=True, placeholder=MISSING)
            as_ours.dataframe(shown.mapped, hide_index=True, placeholder=MISSING)
        check, load = st.columns(2)
        dry_run = check.button("Validate (write nothing)", icon=":material/rule:", width="stretch")
        commit = load.button("Load", type="primary", icon=":material/upload:", width="stretch")
        if dry_run or commit:
            with st.spinner("Validating…" if dry_run else "Loading…"):
                st.session_state[RESULT_KEY] = import_bytes(
                    store(),
                    feed_name,
                    data,
                    upload.name,
                    mapping=mapping,
                    strict=strict,
                    viewer=ctx.viewer,
                    dry_run=dry_run,
                )
            if commit:
                st.cache_data.clear()  # every page shows the new rows now, not after the TTL
    result = st.session_state.get(RESULT_KEY)
    if result is not None:
        show_result(result)

with history_tab:
    recent = cached(batches.recent_batches, ctx.viewer, 50)
    if recent.empty:
        st.info("No imports yet.")
    else:
        st.dataframe(
            recent,
            hide_index=True,
            placeholder=MISSING,
            column_config={
                "id": st.column_config.NumberColumn("Batch", format="%d"),
                "started_at": st.column_config.DatetimeColumn("Started", format="YYYY-MM-DD HH:mm"),
                "feed": "Feed",
                "file_name": "File",
                "status": "Status",
                "rows_in": st.column_config.NumberColumn("Rows in"),
                "inserted": st.column_config.NumberColumn("Inserted"),
                "updated": st.column_config.NumberColumn("Updated"),
                "unchanged": st.column_config.NumberColumn("Unchanged"),
                "rejected": st.column_config.NumberColumn("Rejected"),
                "held": st.column_config.NumberColumn("Held"),
                "source_rows": st.column_config.NumberColumn("Lines read"),
                "mapping": "Mapping",
                "imported_by": "By",
                "message": "Notes",
            },
        )
        with_rejects = recent[recent["rejected"] > 0]["id"].tolist()
        if with_rejects:
            batch_id = st.selectbox("Problems of batch", with_rejects, key="import_batch")
            problems, total = cached(batches.batch_rejects, ctx.viewer, int(batch_id))
            st.caption(
                f"{total:,} problems"
                + (f"; the first {len(problems):,}" if total > len(problems) else "")
            )
            st.dataframe(problems, hide_index=True, placeholder=MISSING)
