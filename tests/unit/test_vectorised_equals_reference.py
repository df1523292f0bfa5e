"""The vectorised stage and contact computations agree with the scalar reference."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fieldsales.config import default_settings
from fieldsales.domain.contact import ContactFact, contact_many, contact_state
from fieldsales.domain.dormancy import OutcomeFact, compute_stage, stages_many

TODAY = date(2026, 11, 22)
RESULTS = ["no_answer", "contacted", "interested", "next_action", "appointment", "order", "refused"]

event = st.tuples(
    st.integers(0, 4),  # account index
    st.integers(-2000, 0),  # day offset from today
    st.sampled_from(RESULTS),
    st.one_of(st.none(), st.integers(-30, 60)),  # due offset
)
account = st.tuples(
    st.one_of(st.none(), st.integers(0, 3000)),  # days since last order
    st.one_of(st.none(), st.integers(-5, 1000)),  # cycle days (odd values included)
)


@hsettings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(accounts=st.lists(account, min_size=5, max_size=5), events=st.lists(event, max_size=25))
def test_stages_and_contacts_match_reference(
    accounts: list[tuple[int | None, int | None]],
    events: list[tuple[int, int, str, int | None]],
) -> None:
    s = default_settings()
    events = sorted(events, key=lambda e: e[1])  # the store hands events in time order
    last = [None if d is None else TODAY - timedelta(days=d) for d, _ in accounts]
    cycles = [c for _, c in accounts]
    acc = np.array([e[0] for e in events], dtype=np.intp)
    day = np.array([TODAY + timedelta(days=e[1]) for e in events], dtype="datetime64[D]")
    res = np.array([e[2] for e in events], dtype=str)
    due = np.array(
        [TODAY + timedelta(days=e[3]) if e[3] is not None else "NaT" for e in events],
        dtype="datetime64[D]",
    )
    stages = stages_many(
        np.array([d or "NaT" for d in last], dtype="datetime64[D]"),
        np.array([np.nan if c is None else c for c in cycles], dtype=float),
        TODAY, acc, day, res, s.dormancy,
    )  # fmt: skip
    contacts = contact_many(5, acc, day, res, due, s.phone, s.dormancy.positive_results)
    for i in range(5):
        mine = [e for e in events if e[0] == i]
        facts = [OutcomeFact(TODAY + timedelta(days=e[1]), e[2]) for e in mine]
        assert stages[i] == compute_stage(last[i], cycles[i], TODAY, facts, s.dormancy).value
        cfacts = [
            ContactFact(TODAY + timedelta(days=e[1]), e[2],
                        None if e[3] is None else TODAY + timedelta(days=e[3]))
            for e in mine
        ]  # fmt: skip
        assert contacts.state(i) == contact_state(cfacts, s.phone, s.dormancy.positive_results)
