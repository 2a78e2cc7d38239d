"""Settings: unknown keys and wrong types are refused with one clear line, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ldpub.errors import SettingsError
from ldpub.settings import SETTINGS, Settings, load_settings


def write_toml(folder, text):
    (folder / "ldpub.toml").write_text(text, encoding="utf-8")
    return folder


def test_every_setting_has_help_and_a_section():
    assert {s.name for s in SETTINGS} == {f for f in Settings.__dataclass_fields__ if f != "root"}
    assert all(s.help and s.section in ("dataset", "endpoint", "server", "store") for s in SETTINGS)


def test_a_typo_in_ldpub_toml_is_refused_with_a_suggestion(tmp_path):
    write_toml(tmp_path, "[endpoint]\nquery_timeot = 5\n")
    with pytest.raises(SettingsError) as exc:
        load_settings(tmp_path)
    assert "unknown setting 'query_timeot'" in exc.value.message
    assert "did you mean 'query_timeout'" in exc.value.message


def test_a_key_in_the_wrong_section_or_an_unknown_section_is_refused(tmp_path):
    write_toml(tmp_path, "[dataset]\nquery_timeout = 5\n")
    with pytest.raises(SettingsError, match="unknown setting 'query_timeout'"):
        load_settings(tmp_path)
    write_toml(tmp_path, "[endpiont]\nquery_timeout = 5\n")
    with pytest.raises(SettingsError, match="unknown setting 'endpiont'"):
        load_settings(tmp_path)


@pytest.mark.parametrize(("line", "expected"), [
    ("query_timeout = \"ten\"", "query_timeout must be a number"),
    ("max_concurrent = 2.5", "max_concurrent must be an integer"),
    ("max_concurrent = true", "max_concurrent must be an integer"),
    ("service_allowlist = \"http://x/\"", "service_allowlist must be a list of strings"),
    ("result_limit = -1", "result_limit must not be negative"),
])
def test_a_wrong_type_in_ldpub_toml_names_the_key_and_the_type(tmp_path, line, expected):
    write_toml(tmp_path, f"[endpoint]\n{line}\n")
    with pytest.raises(SettingsError, match=expected):
        load_settings(tmp_path)


def test_a_bad_environment_value_names_the_variable(tmp_path, monkeypatch):
    write_toml(tmp_path, "")
    monkeypatch.setenv("LDPUB_QUERY_TIMEOUT", "soon")
    with pytest.raises(SettingsError) as exc:
        load_settings(tmp_path)
    assert exc.value.message == "LDPUB_QUERY_TIMEOUT: query_timeout must be a number, not 'soon'"


def test_good_values_load_with_their_types(tmp_path, monkeypatch):
    write_toml(tmp_path, "[endpoint]\nquery_timeout = 5\nservice_allowlist = [\"http://a/\"]\n")
    monkeypatch.setenv("LDPUB_MAX_CONCURRENT", "2")
    settings = load_settings(tmp_path)
    assert settings.query_timeout == 5.0 and isinstance(settings.query_timeout, float)
    assert settings.service_allowlist == ("http://a/",)
    assert settings.max_concurrent == 2


def test_the_command_line_says_one_line_not_a_traceback(tmp_path):
    write_toml(tmp_path, "[endpoint]\nquery_timeot = 5\n")
    done = subprocess.run([sys.executable, "-m", "ldpub.cli", "validate"], capture_output=True, text=True,
                          timeout=60, env={"LDPUB_ROOT": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"ldpub validate: {tmp_path / 'ldpub.toml'}: [endpoint]: unknown setting 'query_timeot' "
        "(did you mean 'query_timeout'?)"]


def test_ldpub_settings_lists_each_setting_with_its_help(tmp_path):
    write_toml(tmp_path, "[endpoint]\nquery_timeout = 5\n")
    done = subprocess.run([sys.executable, "-m", "ldpub.cli", "settings"], capture_output=True, text=True,
                          timeout=60, env={"LDPUB_ROOT": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert "[endpoint] query_timeout = 5.0\n    seconds of wall clock per query" in done.stdout
    assert all(f"] {s.name} = " in done.stdout for s in SETTINGS)
