"""`balance-kiosk profiles` as a caregiver runs it."""

from __future__ import annotations

from fakes import run_cli


def profiles(tmp_path, *args):
    return run_cli("profiles", "--data-dir", tmp_path, *args)


def test_add_rename_goal_and_list(tmp_path):
    assert "No walkers yet" in profiles(tmp_path, "list").stdout
    assert profiles(tmp_path, "add", "Ann", "--minutes", "5", "--days", "2").returncode == 0
    assert profiles(tmp_path, "rename", "Ann", "Annie").returncode == 0
    assert profiles(tmp_path, "goal", "annie", "--minutes", "15", "--days", "4").returncode == 0
    listing = profiles(tmp_path, "list").stdout
    assert "Annie" in listing and "goal 15 min a day, 4 days a week" in listing


def test_clear_errors(tmp_path):
    profiles(tmp_path, "add", "Ann")
    for args, message in (
        (("add", "ann"), "already exists"),
        (("rename", "Bob", "Rob"), "no walker named 'Bob'"),
        (("goal", "Ann", "--days", "9"), "--days 9: use 1 to 7"),
        (("add", "  "), "needs a name"),
    ):
        result = profiles(tmp_path, *args)
        assert result.returncode == 2 and message in result.stderr
        assert "Traceback" not in result.stderr


def test_goal_keeps_what_is_not_given_and_names_win_over_ids(tmp_path):
    profiles(tmp_path, "add", "Ann", "--minutes", "5", "--days", "2")
    profiles(tmp_path, "add", "1")  # a walker whose name is a number
    assert profiles(tmp_path, "goal", "Ann", "--minutes", "15").returncode == 0
    assert profiles(tmp_path, "goal", "Ann", "--days", "4").returncode == 0
    assert (
        profiles(tmp_path, "goal", "1", "--minutes", "30", "--data-dir", str(tmp_path)).returncode
        == 0
    )
    listing = profiles(tmp_path, "list").stdout
    assert "Ann" in listing and "goal 15 min a day, 4 days a week" in listing
    assert "goal 30 min a day, 3 days a week" in listing


def test_names_are_one_spelling_and_printable(tmp_path):
    assert profiles(tmp_path, "add", "Jos\u00e9").returncode == 0
    result = profiles(tmp_path, "add", "Jose\u0301")  # the same name typed with a combining accent
    assert result.returncode == 2 and "already exists" in result.stderr
    assert "control characters" in profiles(tmp_path, "add", "Ann\tSmith").stderr
    assert "at most 40" in profiles(tmp_path, "add", "x" * 41).stderr


def test_a_name_in_other_capitals_is_the_same_walker_in_any_alphabet(tmp_path):
    assert profiles(tmp_path, "add", "Zoë").returncode == 0
    assert profiles(tmp_path, "add", "Bob").returncode == 0
    for args in (("add", "ZOË"), ("add", "zoe\u0308"), ("rename", "Bob", "ZOË")):
        result = profiles(tmp_path, *args)
        assert result.returncode == 2, args
        line = result.stderr.strip()
        assert line == "balance-kiosk profiles: a profile named 'Zoë' already exists"
    # A walker may change the capitals of their own name.
    assert profiles(tmp_path, "rename", "zoë", "ZOË").returncode == 0
    assert profiles(tmp_path, "list").stdout.split().count("ZOË") == 1


def test_a_name_the_kiosks_screen_cannot_draw_is_refused_with_the_reason(tmp_path):
    assert profiles(tmp_path, "add", "Zoë Łukasz Σοφία Ольга").returncode == 0
    for args in (("add", "李明"), ("rename", "Zoë Łukasz Σοφία Ольга", "Ann 🦄")):
        result = profiles(tmp_path, *args)
        assert result.returncode == 2, args
        assert "the kiosk's screen cannot draw" in result.stderr
        assert "Latin, Greek and Cyrillic" in result.stderr
    listed = profiles(tmp_path, "list").stdout
    assert "李明" not in listed and "Ann" not in listed


def test_a_change_made_while_a_walk_is_under_way_leaves_that_walk_open(tmp_path):
    """The kiosk (here a store in this process) is in the middle of a walk; adding a walker
    from a terminal must not take the walk for one a crash left open."""
    from kiosk.log.store import SessionStore
    from kiosk.paths import DataFolder

    with SessionStore.open(DataFolder.choose(tmp_path).create().sessions_db) as kiosk_log:
        walk = kiosk_log.start_session(kiosk_log.add_profile("Ann"), "beginner", 1)
        assert profiles(tmp_path, "add", "Ben").returncode == 0
        assert profiles(tmp_path, "goal", "Ann", "--minutes", "12").returncode == 0
        detail = kiosk_log.session_detail(walk)
        assert detail is not None and detail.session.ended_at is None
        kiosk_log.end_session(walk, "completed", seconds_walking=60, seconds_paused=0)
        assert kiosk_log.flush()
        assert kiosk_log.session_detail(walk).session.ended_how == "completed"
