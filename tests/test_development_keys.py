"""``make dev``'s database keeps its sealing and digest keys beside it (launcher.keys): made
once, owner-only, the same at every run; an environment with keys of its own wins."""

import json
import os
import stat
from pathlib import Path

import pytest

from launcher.keys import development_keys, use_development_keys
from shared import sealing


def test_made_once_owner_only_and_kept(tmp_path: Path) -> None:
    first = development_keys(tmp_path / "var")
    path = tmp_path / "var" / "keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert development_keys(tmp_path / "var") == first
    keys = sealing.load(first)  # usable as they are
    assert keys.keyring.unseal(keys.keyring.seal("x")) == "x"


def test_put_in_the_environment_unless_it_has_keys(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    names = (sealing.SEALING_KEYS, sealing.SEALING_KEY_ID, sealing.DIGEST_KEY)
    before = {name: os.environ.get(name) for name in names}
    try:
        for name in names:
            monkeypatch.delenv(name, raising=False)
        use_development_keys(tmp_path)
        assert os.environ[sealing.DIGEST_KEY] == development_keys(tmp_path)[sealing.DIGEST_KEY]
        monkeypatch.setenv(sealing.SEALING_KEYS, json.dumps({"own": sealing.generate_key()}))
        monkeypatch.setenv(sealing.SEALING_KEY_ID, "own")
        use_development_keys(tmp_path / "other")
        assert not (tmp_path / "other" / "keys.json").exists()
    finally:
        monkeypatch.undo()
        for name, value in before.items():  # use_development_keys set some itself
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        sealing.reload()
