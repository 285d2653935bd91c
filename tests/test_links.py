"""Links made for a whole table (``with_links``) are the links each identifier gets on its own."""

import pandas as pd

from cgic_ui import links


def test_a_table_of_links_holds_the_link_of_each_identifier() -> None:
    frame = pd.DataFrame(
        {
            "lab_case_number": ["L-1", "L-2", None],
            "incident_number": ["I-1", "", "I-3"],
            "ori": ["CT001", "CT002", None],
        }
    )
    shown, config = links.with_links(frame)
    shown = shown.astype(object).where(shown.notna(), None)  # a missing link: None or NaN
    assert shown["lab_case_number"].tolist() == [
        links.lab_case_url("L-1"),
        links.lab_case_url("L-2"),
        None,
    ]
    assert shown["incident_number"].tolist() == [
        links.incident_url("I-1", "CT001"),
        None,
        links.incident_url("I-3"),
    ]
    assert set(config) == {"lab_case_number", "incident_number"}


def test_a_batch_of_links_reads_the_sidebar_context_once_and_then_forgets_it(monkeypatch) -> None:
    reads: list[int] = []

    with links.same_context():
        pass
    monkeypatch.setattr(links.st, "query_params", _Params({"period": ["Last 28 days"]}, reads))
    with links.same_context():
        made = [links.lab_case_url("L-1"), links.lab_case_url("L-2")]
    assert made == [f"record?period=Last+28+days&lab_case=L-{n}" for n in (1, 2)]
    assert len(reads) == 1
    links.lab_case_url("L-3")  # outside the batch: read again
    assert len(reads) == 2


class _Params(dict):
    """``st.query_params`` as far as ``context_params`` reads it, counting its readings."""

    def __init__(self, values: dict[str, list[str]], reads: list[int]) -> None:
        super().__init__(values)
        self.reads = reads

    def get_all(self, key: str) -> list[str]:
        if key == "period":
            self.reads.append(1)
        return self[key]
