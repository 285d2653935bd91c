"""Every lead of a demo store has a timeline and a packet, for lab staff: none raises, whatever the
newest pandas makes of empty or one-sided frames (41 of 505 leads once crashed the timeline)."""

from sqlalchemy import Engine, select

from cgic_data.queries import lead_selection, packet, timeline
from cgic_data.schema import NibinLead
from cgic_data.scope import Viewer

LAB = Viewer.system()


def test_every_demo_lead_has_a_timeline_and_a_packet(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        leads = conn.execute(select(NibinLead.lead_number, NibinLead.status)).all()
    assert len(leads) > 50
    for number, status in leads:
        selection = lead_selection.select_view(demo_engine, LAB, "lead", number)
        assert selection is not None, number
        result = timeline.lead_timeline(demo_engine, LAB, selection)
        issued = result.events[result.events["event"] == "lead issued"]
        assert len(issued) == 1, number
        # the timeline, the packet and the lead page say the same of the lead's standing
        labels = packet.load_packet(demo_engine, LAB, "lead", number).groups["Leads"]["label"]
        assert issued["detail"].iloc[0] == labels.iloc[0], (number, status)
