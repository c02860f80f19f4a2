"""file_key: one key per file, however the file was reached."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fixer.workspace import clear_file_keys, file_key


@pytest.fixture(autouse=True)
def fresh_keys():
    clear_file_keys()
    yield
    clear_file_keys()


def test_relative_and_absolute_paths_share_a_key(tmp_path, monkeypatch):
    target = tmp_path / "main.json"
    target.write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert file_key(Path("main.json")) == file_key(target) == Path(os.path.realpath(target))
    assert file_key(Path("sub/../main.json")) == file_key(target)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_symlinked_folder_and_a_symlinked_file_lead_to_the_real_file(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    target = real / "main.json"
    target.write_text("{}")
    (tmp_path / "linked-folder").symlink_to(real, target_is_directory=True)
    (tmp_path / "linked-file.json").symlink_to(target)
    expected = Path(os.path.realpath(target))
    assert file_key(tmp_path / "linked-folder" / "main.json") == expected
    assert file_key(tmp_path / "linked-file.json") == expected


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_missing_file_is_keyed_by_its_real_folder(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    assert file_key(tmp_path / "alias" / "absent.json") == Path(os.path.realpath(real)) / "absent.json"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_keys_follow_a_link_that_moved_once_cleared(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    link = tmp_path / "current"
    link.symlink_to(one, target_is_directory=True)
    assert file_key(link / "main.json") == Path(os.path.realpath(one)) / "main.json"
    link.unlink()
    link.symlink_to(two, target_is_directory=True)
    clear_file_keys()
    assert file_key(link / "main.json") == Path(os.path.realpath(two)) / "main.json"
