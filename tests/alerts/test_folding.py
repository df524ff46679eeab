"""One test per row of the table of `alerts.folding.fold_into`."""

from riskregister.alerts.folding import Trouble, fold_into


def ban(event_id=1, severity="critical"):
    return Trouble(kind="ban", severity=severity, event_id=event_id)


def test_a_recovery_is_news_whatever_is_open():
    change = Trouble(kind="ban", severity="info", event_id=1)
    assert fold_into(change=change, recovery=True, candidates=[ban()]) is None


def test_a_change_no_announced_event_covers_is_news():
    assert fold_into(change=Trouble(kind="outage", severity="major"), recovery=False, candidates=[]) is None


def test_a_route_of_a_banned_model_going_unavailable_is_folded_into_the_ban():
    change = Trouble(kind="outage", severity="major", event_id=None, source_id=7)
    assert fold_into(change=change, recovery=False, candidates=[ban(event_id=3)]) == 3


def test_a_retired_model_vanishing_from_a_list_is_folded_into_the_retirement():
    change = Trouble(kind="outage", severity="major", source_id=7)
    retirement = Trouble(kind="retirement", severity="critical", event_id=4)
    assert fold_into(change=change, recovery=False, candidates=[retirement]) == 4


def test_the_same_incident_on_a_second_page_is_folded():
    first_page = Trouble(kind="incident", severity="major", event_id=5, source_id=1, external_id="inc-1")
    second_page = Trouble(kind="incident", severity="major", source_id=2, external_id="TAG-99")
    assert fold_into(change=second_page, recovery=False, candidates=[first_page]) == 5


def test_an_update_of_an_open_incident_that_is_not_worse_is_folded_into_its_own_event():
    own = Trouble(kind="incident", severity="major", event_id=6, source_id=1, external_id="inc-1")
    update = Trouble(kind="incident", severity="minor", event_id=6, source_id=1, external_id="inc-1")
    assert fold_into(change=update, recovery=False, candidates=[own]) == 6


def test_an_update_that_is_worse_is_news():
    own = Trouble(kind="incident", severity="minor", event_id=6, source_id=1, external_id="inc-1")
    worse = Trouble(kind="incident", severity="major", event_id=6, source_id=1, external_id="inc-1")
    assert fold_into(change=worse, recovery=False, candidates=[own]) is None


def test_a_ban_after_a_suspension_on_one_distributor_is_an_escalation():
    suspension = Trouble(kind="suspension", severity="critical", event_id=8)
    assert fold_into(change=Trouble(kind="ban", severity="critical"), recovery=False, candidates=[suspension]) is None


def test_a_retirement_after_an_outage_is_an_escalation():
    outage = Trouble(kind="outage", severity="major", event_id=9)
    retirement = Trouble(kind="retirement", severity="critical")
    assert fold_into(change=retirement, recovery=False, candidates=[outage]) is None


def test_a_second_incident_of_the_same_page_is_news():
    first = Trouble(kind="incident", severity="major", event_id=10, source_id=1, external_id="inc-1")
    second = Trouble(kind="incident", severity="major", source_id=1, external_id="inc-2")
    assert fold_into(change=second, recovery=False, candidates=[first]) is None


def test_a_deprecation_date_moved_is_news_even_with_its_event_open():
    own = Trouble(kind="deprecation", severity="minor", event_id=11)
    moved = Trouble(kind="deprecation", severity="minor", event_id=11)
    assert fold_into(change=moved, recovery=False, candidates=[own]) is None
    # ...but a ban explains it.
    assert fold_into(change=moved, recovery=False, candidates=[own, ban(event_id=12)]) == 12


def test_the_strongest_candidate_wins():
    outage = Trouble(kind="outage", severity="major", event_id=13)
    change = Trouble(kind="outage", severity="major", event_id=None)
    assert fold_into(change=change, recovery=False, candidates=[outage, ban(event_id=14)]) == 14
