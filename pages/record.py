"""Record: one incident, firearm or lab case opened from the URL — ``?incident=<number>[&ori=<ORI>]``,
``?firearm=<number>``, ``?lab_case=<number>`` (what ``cgic_ui.links`` builds) — with its facts and
every related identifier as a link; with nothing in the URL, a search by number."""

import pandas as pd
import streamlit as st

from cgic_data import audit
from cgic_data.lead_labels import CONFIRMED_LABEL, UNCONFIRMED_LABEL
from cgic_data.queries import firearm_records, records
from cgic_ui import links
from cgic_ui.context import page_context
from cgic_ui.packet_export import TRACE_CAVEAT
from cgic_ui.runtime import cached, store
from cgic_ui.tables import linked_table

AUDITED_KEY = "cgic_records_audited"
START_ROWS = 10
TONES = {CONFIRMED_LABEL: ":green", UNCONFIRMED_LABEL: ":orange"}

ctx = page_context()
viewer = ctx.viewer


def audit_once(kind: str, key: str, target: str) -> None:
    """Record the first opening of each record per session (not every rerun)."""
    seen: set[tuple[str, str]] = st.session_state.setdefault(AUDITED_KEY, set())
    if (kind, key) not in seen:
        audit.record(store(), viewer, "view", target=target, detail={"page": "record", kind: key})
        seen.add((kind, key))


def when(value: object, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return "—" if value is None or pd.isna(value) else f"{pd.Timestamp(value):{pattern}}"  # type: ignore[arg-type]


def section(title: str, frame: pd.DataFrame, empty: str, **options: object) -> None:
    if title:
        st.markdown(f"**{title}**")
    if frame.empty:
        st.caption(empty)
    else:
        linked_table(frame, **options)  # type: ignore[arg-type]


def lead_lines(leads: pd.DataFrame, empty: str) -> None:
    """Each lead as a link to its packet, with its label and its other views."""
    st.markdown("**NIBIN leads**")
    if leads.empty:
        st.caption(empty)
    for lead in leads.itertuples():
        number = str(lead.lead_number)
        st.markdown(
            f"[{number}]({links.lead_url(number)}) {TONES.get(lead.label, ':gray')}[{lead.label}]"
            f" · issued {when(lead.issued_at, '%Y-%m-%d')} · "
            + links.view_links("lead", number, here="packet")
        )


def similar(frame: pd.DataFrame, noun: str, text: str) -> None:
    """What the viewer may see whose number contains the text they asked for."""
    if not frame.empty:
        st.caption(f"{noun} you may see whose number contains “{text}”:")
        linked_table(frame, key=f"similar-{noun}")


# --- the three records ---------------------------------------------------------------------------


def show_incident(number: str, ori: str | None) -> None:
    matches = cached(records.incident_matches, viewer, number, ori)
    if matches.empty:
        at = f" of agency {ori}" if ori else ""
        st.warning(
            f"No incident{at} numbered “{number}” that you may see.", icon=":material/search_off:"
        )
        similar(cached(records.find_incidents, viewer, number), "Incidents", number)
        return
    if len(matches) > 1:
        st.info(f"{len(matches)} agencies have an incident numbered “{number}”: pick one.")
        linked_table(matches, key="matches")
        return
    record = cached(records.incident_record, viewer, number, matches["ori"].iloc[0])
    if record is None:  # gone since the match was cached
        st.warning(f"No incident numbered “{number}” that you may see.")
        return
    facts, detail = record.detail.incident, record.detail
    audit_once("incident", f"{record.ori} {number}", f"incident {facts['agency']} {number}")
    st.subheader(f"Incident {number}")
    st.markdown(
        f"{facts['agency']} ({record.ori})  \n"
        f"**{facts['kind'].capitalize()}** · {when(facts['occurred_at'])}"
        f" · {facts['town'] or 'town unknown'} · {facts['address'] or ''}  \n"
        f"Victims shot: {facts['injured']} injured, {facts['killed']} killed"
    )
    if detail.series_id:
        st.markdown(
            f"**Series [{detail.series_id}]({links.series_url(detail.series_id)})**: "
            + links.view_links("series", detail.series_id)
        )
    lead_lines(detail.leads, "No NIBIN lead links this incident.")
    section(
        "Incidents its leads link",
        record.linked,
        "None you may see (an excluded lead links nothing).",
        key="linked",
    )
    section(
        "Evidence",
        record.items.drop(columns=["incident_number", "ori"]),
        "No evidence recorded.",
        key="items",
    )
    section("Firearms", record.firearms, "No firearm recovered here or tied to it.", key="guns")
    section(
        "Lab requests",
        record.lab_requests.drop(columns=["incident_number", "ori"]),
        "None that you may see (a lab request is open to the agency that submitted it and to "
        "lab staff).",
        key="requests",
    )
    section(
        "Forensic results (this incident and the incidents its leads link)",
        detail.results.drop(columns=["this_incident"]),
        "No CODIS, AFIS or other results reported yet.",
        key="results",
    )


def show_firearm(number: str) -> None:
    record = cached(firearm_records.firearm_record, viewer, number)
    if record is None:
        st.warning(
            f"No firearm numbered “{number}” that you may see.", icon=":material/search_off:"
        )
        similar(cached(firearm_records.find_firearms, viewer, number), "Firearms", number)
        return
    facts = record.facts
    audit_once("firearm", number, f"firearm {number}")
    st.subheader(f"Firearm {number}")
    name = " ".join(str(facts[k]) for k in ("make", "model", "caliber") if facts[k])
    serial = "obliterated" if facts["serial_obliterated"] else facts["serial_number"] or "—"
    recovery = "—"
    if facts["recovery_incident_number"]:
        incident = facts["recovery_incident_number"]
        url = links.incident_url(incident, facts["recovery_ori"])
        recovery = f"[{incident}]({url}) ({facts['recovery_agency']})"
    st.markdown(
        f"**{name or 'make unknown'}** · serial {serial}  \n"
        f"Recovered {when(facts['recovered_at'])} · recovery incident {recovery}"
    )
    section(
        "Its items (the gun, test fires)",
        record.items.drop(columns=["firearm_number"]),
        "No item of this firearm on an incident you may see.",
        key="items",
    )
    lead_lines(record.leads, "No NIBIN lead holds its test fires.")
    section(
        "Incidents its test fires link",
        record.linked,
        "None you may see.",
        key="linked",
    )
    st.markdown("**ATF eTrace**")
    st.caption(TRACE_CAVEAT + " For the purchaser, use the trace search (it asks for a purpose).")
    section("", record.traces, "Never traced.", key="traces", date_format="YYYY-MM-DD")


def show_lab_case(number: str) -> None:
    record = cached(records.lab_case_record, viewer, number)
    if record is None:
        st.warning(
            f"No lab case numbered “{number}” that you may see: a lab case is open to the agency "
            "that submitted it and to lab staff.",
            icon=":material/search_off:",
        )
        similar(cached(records.find_lab_cases, viewer, number), "Lab cases", number)
        return
    audit_once("lab_case", number, f"lab case {number}")
    st.subheader(f"Lab case {number}")
    section(
        "Requests (one per discipline)",
        record.requests.drop(columns=["lab_case_number"]),
        "No request.",
        key="requests",
    )
    section("Items", record.items, "No item on an incident you may see.", key="items")


# --- the page --------------------------------------------------------------------------------------

st.title("Record")
incident, firearm = st.query_params.get("incident"), st.query_params.get("firearm")
lab_case = st.query_params.get("lab_case")
if incident or firearm or lab_case:
    st.caption(
        "Shown whole, as far as you may see it: the sidebar filter does not apply. "
        f"[Search another number]({links.url('record', {})})"
    )
    if incident:
        show_incident(incident.strip(), st.query_params.get("ori"))
    elif firearm:
        show_firearm(firearm.strip())
    else:
        show_lab_case(str(lab_case).strip())
    st.stop()

st.caption("Open an incident, a firearm or a lab case by its number, whatever the sidebar period.")
text = st.text_input(
    "Number",
    key="q",
    bind="query-params",
    placeholder="Type any part of an incident, firearm or lab case number",
)
if not text or not text.strip():
    recent = cached(records.find_incidents, viewer, "", START_ROWS)
    if not recent.empty:
        st.caption("Your most recent incidents:")
        linked_table(recent, key="recent")
    st.stop()
needle = text.strip()
found = {
    "Incidents": cached(records.find_incidents, viewer, needle),
    "Firearms": cached(firearm_records.find_firearms, viewer, needle),
    "Lab cases": cached(records.find_lab_cases, viewer, needle),
}
if all(frame.empty for frame in found.values()):
    st.info(f"Nothing you may see has a number containing “{needle}”.")
for noun, frame in found.items():
    if not frame.empty:
        more = " (the most recent)" if len(frame) >= records.SEARCH_LIMIT else ""
        st.markdown(f"**{noun}** · {len(frame):,}{more}")
        linked_table(frame, key=f"found-{noun}")
