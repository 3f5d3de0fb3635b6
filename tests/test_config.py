"""Settings precedence: flags > environment > config file > defaults; keys never from files."""

from __future__ import annotations

import pytest

from summarizer.config import DEFAULT_REMOTE_BASE_URL, EMBEDDED, load_settings
from summarizer.errors import UserError


def test_no_key_no_url_means_embedded():
    s = load_settings(None)
    assert s.is_embedded and s.base_url == EMBEDDED


def test_key_alone_means_openai(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    s = load_settings(None)
    assert s.base_url == DEFAULT_REMOTE_BASE_URL and s.model_name == "gpt-4o-mini"
    assert "sk-test" not in repr(s) and "sk-test" not in s.model_dump_json()


def test_precedence(tmp_path, monkeypatch):
    cfg = tmp_path / "c.toml"
    cfg.write_text('base_url = "http://file/v1"\nmodel = "from-file"\nconcurrency = 3\n')
    s = load_settings(cfg)
    assert (s.base_url, s.model, s.concurrency) == ("http://file/v1", "from-file", 3)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env/v1")
    monkeypatch.setenv("SUMMARIZER_MODEL", "from-env")
    s = load_settings(cfg)
    assert (s.base_url, s.model, s.concurrency) == ("http://env/v1", "from-env", 3)
    s = load_settings(cfg, model="from-flag", base_url=None)
    assert (s.base_url, s.model) == ("http://env/v1", "from-flag")


def test_config_file_from_environment_variable(tmp_path, monkeypatch):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[embedded]\nn_ctx = 8192\n')
    monkeypatch.setenv("SUMMARIZER_CONFIG", str(cfg))
    assert load_settings(None).embedded.n_ctx == 8192


@pytest.mark.parametrize("text, message", [
    ('api_key = "sk-x"\n', "contains api_key"),
    ('modle = "typo"\n', "invalid setting modle"),
    ('concurrency = "many"\n', "invalid setting concurrency"),
    ('not toml at all [', "not valid TOML"),
])
def test_bad_config_files(tmp_path, text, message):
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    with pytest.raises(UserError, match=message):
        load_settings(cfg)


def test_model_without_endpoint_is_explained():
    with pytest.raises(UserError, match="needs an endpoint"):
        load_settings(None, model="gpt-4o-mini")


def test_other_key_variable(tmp_path, monkeypatch):
    cfg = tmp_path / "c.toml"
    cfg.write_text('base_url = "https://api.deepseek.com/v1"\napi_key_env = "DEEPSEEK_API_KEY"\n')
    monkeypatch.setenv("DEEPSEEK_API_KEY", "ds-key")
    s = load_settings(cfg)
    assert s.api_key.get_secret_value() == "ds-key"
