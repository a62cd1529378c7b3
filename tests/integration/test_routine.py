"""The routine manifest loader: what it reads, and how it explains what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.player.routine import (
    Chapter,
    Routine,
    RoutineError,
    chapter_index_at,
    find_routine,
    load_routine,
    routines_root,
)

GOOD = """\
title = "Walking backward: a first routine"
level = 1
video = "beginner.mp4"
captions = "beginner.en.vtt"
length_s = 300
safety_points = ["Ask your doctor or physiotherapist first.", "Stand beside a sturdy support."]

[[chapters]]
start_s = 0.0
title = "Welcome"

[[chapters]]
start_s = 35.0
title = "Why it helps"
"""


def write_routine(folder: Path, manifest: str = GOOD, media: tuple[str, ...] = ()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in media or ("beginner.mp4", "beginner.en.vtt"):
        (folder / name).write_bytes(b"x")
    path = folder / "routine.toml"
    path.write_text(manifest, encoding="utf-8")
    return path


def test_loads_a_routine_from_its_folder_or_its_manifest(tmp_path):
    manifest = write_routine(tmp_path / "beginner")
    for given in (manifest, manifest.parent, str(manifest.parent)):
        routine = load_routine(given)
        assert isinstance(routine, Routine)
        assert routine.title == "Walking backward: a first routine"
        assert routine.level == 1
        assert routine.video_path == manifest.parent.resolve() / "beginner.mp4"
        assert routine.captions_path == manifest.parent.resolve() / "beginner.en.vtt"
        assert routine.length_s == 300.0
        assert routine.safety_points[1] == "Stand beside a sturdy support."
        assert routine.chapters == (Chapter(0.0, "Welcome"), Chapter(35.0, "Why it helps"))
        assert routine.folder == manifest.parent.resolve()


def test_routine_is_frozen(tmp_path):
    routine = load_routine(write_routine(tmp_path / "r"))
    with pytest.raises(AttributeError):
        routine.title = "changed"  # type: ignore[misc]


def test_optional_keys_may_be_left_out(tmp_path):
    manifest = 'title = "Short"\nlevel = 2\nvideo = "v.mp4"\nlength_s = 60.5\n'
    routine = load_routine(write_routine(tmp_path / "r", manifest, media=("v.mp4",)))
    assert routine.captions_path is None
    assert routine.safety_points == ()
    assert routine.chapters == ()
    assert routine.length_s == 60.5


def test_chapter_lookup(tmp_path):
    routine = load_routine(write_routine(tmp_path / "r"))
    assert routine.chapter_index_at(10.0) == 0
    assert routine.chapter_index_at(35.0) == 1
    assert chapter_index_at((Chapter(5.0, "late start"),), 1.0) is None


def test_missing_manifest_says_what_to_pass(tmp_path):
    with pytest.raises(RoutineError) as caught:
        load_routine(tmp_path)
    message = str(caught.value)
    assert "routine.toml" in message and "not found" in message


def test_bad_toml_names_the_file_and_line(tmp_path):
    broken = GOOD.replace("level = 1", "level = = 1")
    path = write_routine(tmp_path / "r", broken)
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    message = str(caught.value)
    assert str(path) in message
    assert "line 2" in message


@pytest.mark.parametrize("key", ["title", "level", "video", "length_s"])
def test_missing_key_is_named(tmp_path, key):
    lines = [line for line in GOOD.splitlines() if not line.startswith(f"{key} =")]
    path = write_routine(tmp_path / "r", "\n".join(lines) + "\n")
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    message = str(caught.value)
    assert str(path) in message and f"'{key}'" in message and "add" in message


@pytest.mark.parametrize(
    "old,new,key",
    [
        ("level = 1", "level = 0", "'level'"),
        ("level = 1", 'level = "one"', "'level'"),
        ("length_s = 300", "length_s = -5", "'length_s'"),
        ('title = "Walking backward: a first routine"', 'title = ""', "'title'"),
        ("safety_points = [", "safety_points = [1, ", "'safety_points'"),
    ],
)
def test_wrong_values_are_explained(tmp_path, old, new, key):
    path = write_routine(tmp_path / "r", GOOD.replace(old, new, 1))
    with pytest.raises(RoutineError, match=key):
        load_routine(path)


def test_chapters_must_increase(tmp_path):
    path = write_routine(tmp_path / "r", GOOD.replace("start_s = 35.0", "start_s = 0.0"))
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    message = str(caught.value)
    assert "chapter 2" in message and "increasing" in message and str(path) in message


def test_chapter_after_the_end_is_refused(tmp_path):
    path = write_routine(tmp_path / "r", GOOD.replace("start_s = 35.0", "start_s = 400"))
    with pytest.raises(RoutineError, match="length_s"):
        load_routine(path)


def test_chapter_without_title_is_refused(tmp_path):
    path = write_routine(tmp_path / "r", GOOD.replace('title = "Why it helps"', ""))
    with pytest.raises(RoutineError, match="'title'"):
        load_routine(path)


def test_missing_video_file_is_named(tmp_path):
    path = write_routine(tmp_path / "r", media=("beginner.en.vtt",))
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    message = str(caught.value)
    assert "'video'" in message and "beginner.mp4" in message and "does not exist" in message


def test_missing_captions_file_is_named(tmp_path):
    path = write_routine(tmp_path / "r", media=("beginner.mp4",))
    with pytest.raises(RoutineError, match="'captions'"):
        load_routine(path)


def test_unknown_keys_are_logged_not_fatal(tmp_path, caplog):
    path = write_routine(tmp_path / "r", 'captons = "typo.vtt"\n' + GOOD + "lenght = 3\n")
    load_routine(path)
    assert "captons" in caplog.text
    assert "lenght" in caplog.text  # inside the last [[chapters]] table


def test_find_routine_by_name_folder_or_manifest(tmp_path):
    manifest = write_routine(tmp_path / "routines" / "beginner")
    assert find_routine("beginner", root=tmp_path / "routines") == manifest
    assert find_routine(manifest.parent) == manifest
    assert find_routine(manifest) == manifest


def test_find_routine_lists_what_exists(tmp_path):
    write_routine(tmp_path / "routines" / "beginner")
    with pytest.raises(RoutineError) as caught:
        find_routine("advanced", root=tmp_path / "routines")
    assert "advanced" in str(caught.value) and "beginner" in str(caught.value)


def test_find_routine_on_a_missing_path(tmp_path):
    with pytest.raises(RoutineError, match="no such file"):
        find_routine(tmp_path / "nowhere" / "video.mp4")


def test_packaged_routines_folder():
    assert routines_root().name == "routines"
    assert routines_root().parent.name == "media"


def test_the_shipped_beginner_routine_loads():
    manifest = routines_root() / "beginner" / "routine.toml"
    if not manifest.is_file():
        pytest.skip("the beginner routine is not in the tree yet")
    routine = load_routine(find_routine("beginner"))
    assert routine.level == 1
    assert routine.video_path.is_file()
    assert routine.safety_points


def test_the_shipped_captions_parse_and_fit_the_routine():
    from kiosk.player.captions import load_captions

    manifest = routines_root() / "beginner" / "routine.toml"
    if not manifest.is_file():
        pytest.skip("the beginner routine is not in the tree yet")
    routine = load_routine(manifest)
    if routine.captions_path is None:
        pytest.skip("the beginner routine has no captions")
    cues = load_captions(routine.captions_path)
    assert cues
    assert all(0 <= cue.start_s < cue.end_s <= routine.length_s + 5 for cue in cues)
