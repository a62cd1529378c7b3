"""Settings: defaults, TOML files, and errors that name the key, the value and the limits."""

from __future__ import annotations

import tomllib

import pytest

from kiosk.settings import SCHEMA, ConfigError, Settings, load_settings, render_toml


def write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_match_the_issue(tmp_path, monkeypatch):
    monkeypatch.setenv("CONFIGURATION_DIRECTORY", str(tmp_path))  # no system config here
    settings = load_settings()
    assert settings["safety.reach_mm"] == 600
    assert settings["safety.margin_mm"] == 50
    assert settings["safety.alarm_delay_readings"] == 3
    assert settings["sensor.period_ms"] == 33


def test_reads_a_file(tmp_path):
    settings = load_settings(
        write(tmp_path, "[safety]\nreach_mm = 700\n[buzzer]\nkind = 'tonal'\n")
    )
    assert settings["safety.reach_mm"] == 700 and settings["buzzer.kind"] == "tonal"
    assert settings["safety.margin_mm"] == 50


def test_reach_beyond_the_sensors_range_is_refused(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_settings(write(tmp_path, "[safety]\nreach_mm = 1500\n"))
    message = str(raised.value)
    assert "safety.reach_mm = 1500" in message and "150 to 1200 mm" in message
    assert "not reliable beyond about 1200 mm" in message


def test_condition_delay_over_two_seconds_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="alarm delay of 2100 ms; at most 2000 ms"):
        load_settings(
            write(tmp_path, "[safety]\nalarm_delay_readings = 21\n[sensor]\nperiod_ms = 100\n")
        )


def test_unknown_key_is_refused_with_a_suggestion(tmp_path):
    with pytest.raises(ConfigError, match="unknown setting 'safety.reach'.*safety.reach_mm"):
        load_settings(write(tmp_path, "[safety]\nreach = 600\n"))


def test_wrong_type_and_choice_are_named(tmp_path):
    with pytest.raises(ConfigError, match='safety.reach_mm = "far" is not a whole number'):
        load_settings(write(tmp_path, '[safety]\nreach_mm = "far"\n'))
    with pytest.raises(ConfigError, match='buzzer.kind = "loud" is not allowed.*"active"'):
        load_settings(write(tmp_path, '[buzzer]\nkind = "loud"\n'))
    with pytest.raises(ConfigError, match="true or false|whole number"):
        load_settings(write(tmp_path, "[safety]\nmargin_mm = true\n"))


def test_margin_that_leaves_no_room_is_refused():
    with pytest.raises(ConfigError, match="margin_mm = 100 leaves the return line at 50 mm"):
        Settings({"safety.reach_mm": 150, "safety.margin_mm": 100})


def test_broken_toml_names_the_file_and_line(tmp_path):
    path = write(tmp_path, "[safety]\nreach_mm = = 3\n")
    with pytest.raises(ConfigError, match=r"config.toml: not valid TOML.*line 2"):
        load_settings(path)


def test_setting_outside_a_section_is_explained(tmp_path):
    with pytest.raises(ConfigError, match=r"\[section\] heading"):
        load_settings(write(tmp_path, "reach_mm = 600\n"))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings(tmp_path / "nope.toml")


def test_rendered_file_holds_every_setting_and_reads_back(tmp_path):
    custom = Settings({"safety.reach_mm": 750, "buzzer.kind": "tonal"})
    text = render_toml(custom)
    assert all(f"{s.name} =" in text for s in SCHEMA)
    assert "# Allowed: 150 to 1200 mm. Default: 600." in text
    back = load_settings(write(tmp_path, text))
    assert dict(back) == dict(custom)
    tomllib.loads(text)


def test_xshut_on_a_pin_already_in_use_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="xshut_pin = 17 is already used by buzzer.pin"):
        load_settings(write(tmp_path, "[sensor]\nxshut_pin = 17\n"))
    with pytest.raises(ConfigError, match="I2C lines"):
        load_settings(write(tmp_path, "[sensor]\nxshut_pin = 3\n"))


def test_a_byte_order_mark_from_notepad_is_fine(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf[safety]\nreach_mm = 700\n")
    assert load_settings(path)["safety.reach_mm"] == 700
