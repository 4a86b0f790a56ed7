"""Options: one source (mkdocs.yml's koc section, flags, environment, defaults), as dates and enums."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from conftest import REPO
from generator.mkdocs_adapter.config import KocPluginConfig, plugins_with, read_options
from generator.model import Audience
from generator.options import DEFAULT_TYPE_WEIGHTS, Options, environment_settings, options_from


def _mkdocs_yml(tmp_path: Path, koc_section: str) -> Path:
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    start = text.index("  - koc:\n")
    end = text.index("\nmarkdown_extensions:")
    path = tmp_path / "mkdocs.yml"
    path.write_text(text[:start] + "  - koc:\n" + koc_section + text[end:], encoding="utf-8")
    return path


@pytest.mark.parametrize("written", ["as_of: 2026-06-01", 'as_of: "2026-06-01"'])
def test_as_of_in_mkdocs_yml_is_a_date_quoted_or_not(tmp_path, written):
    config = _mkdocs_yml(tmp_path, f"      {written}\n      audience: dealer\n")
    options = read_options(config, environ={})
    assert options.as_of == dt.date(2026, 6, 1) and options.audience is Audience.DEALER


def test_a_bad_date_in_mkdocs_yml_is_reported_with_its_option(tmp_path):
    with pytest.raises(ValueError, match="koc.as_of"):
        read_options(_mkdocs_yml(tmp_path, '      as_of: "2026-13-01"\n'), environ={})


def test_precedence_flag_then_mkdocs_yml_then_environment_then_default(tmp_path):
    config = _mkdocs_yml(tmp_path, "      as_of: 2026-06-01\n")
    env = {"KOC_AS_OF": "2025-01-01", "KOC_AUDIENCE": "dealer"}
    assert read_options(config, environ=env).as_of == dt.date(2026, 6, 1)  # mkdocs.yml over the environment
    assert read_options(config, environ=env, as_of=dt.date(2024, 2, 2)).as_of == dt.date(2024, 2, 2)  # the flag over both
    assert read_options(config, environ=env).audience is Audience.DEALER  # the environment fills what is unset
    assert read_options(config, environ={}).audience is Audience.INTERNAL  # else the default


def test_source_date_epoch_gives_the_as_of_date_when_koc_as_of_is_unset():
    assert environment_settings({"SOURCE_DATE_EPOCH": "1780272000"}) == {"as_of": dt.date(2026, 6, 1)}
    assert environment_settings({}) == {}


def test_plugin_defaults_are_the_options_defaults():
    cfg = KocPluginConfig()
    cfg.load_dict({})
    assert cfg.validate() == ([], [])
    options = options_from(Path("."), dict(cfg), environ={"KOC_AS_OF": "2026-06-01"})
    defaults = Options(as_of=dt.date(2026, 6, 1)).resolve()
    assert options == defaults
    assert dict(cfg.type_weights) == DEFAULT_TYPE_WEIGHTS


def test_unknown_settings_are_refused():
    with pytest.raises(ValueError, match="colour"):
        options_from(Path("."), {"colour": "red"}, environ={})


def test_the_cli_hands_options_to_the_plugin_config_not_the_environment(tmp_path):
    config = _mkdocs_yml(tmp_path, "      featured_bonus: 7\n")
    before = dict(os.environ)
    plugins = plugins_with(config, audience="dealer", as_of=dt.date(2026, 6, 1), drafts=None)
    assert plugins["koc"] == {"featured_bonus": 7, "audience": "dealer", "as_of": dt.date(2026, 6, 1)}
    assert dict(os.environ) == before
