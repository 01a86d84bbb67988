"""The ICD-10-CM code set is parsed once and kept in a cache file (patients/icd10.py).

The real code set takes seconds to build, so these tests give the module a small one: what is
checked is that the file is written, read back by a fresh process state, and rebuilt when unusable.
"""

import functools

import pytest

from patients import icd10

SMALL = icd10._CodeSet(
    codes={"F33": ("Major depressive disorder, recurrent", False), "F33.2": ("MDD severe", True)},
    index=[("F33.2", "MDD severe", " depress majo seve")],
)


def _fresh_process_state(monkeypatch):
    """An empty in-memory cache for this test; the process's loaded code set is put back after
    it (clearing that one would make the next test reload the file)."""
    monkeypatch.setattr(icd10, "_code_set", functools.cache(icd10._code_set.__wrapped__))


@pytest.fixture
def cache_dir(settings, tmp_path, monkeypatch):
    settings.ICD10_CACHE_DIR = tmp_path / "cache"
    _fresh_process_state(monkeypatch)
    return settings.ICD10_CACHE_DIR


def _builds(monkeypatch, code_set):
    calls = []

    def build():
        calls.append(1)
        return code_set

    monkeypatch.setattr(icd10, "_build_code_set", build)
    return calls


def test_the_code_set_is_built_once_and_then_read_from_its_file(cache_dir, monkeypatch):
    calls = _builds(monkeypatch, SMALL)
    assert icd10.lookup("f332") == icd10.CodeInfo("F33.2", "MDD severe", billable=True)
    assert calls == [1]
    assert [path.name for path in cache_dir.iterdir()] == [icd10._cache_file().name]

    _fresh_process_state(monkeypatch)  # as in a new process
    calls = _builds(monkeypatch, icd10._CodeSet(codes={}, index=[]))

    assert icd10.lookup("F33") == icd10.CodeInfo("F33", SMALL.codes["F33"][0], billable=False)
    assert [c.code for c in icd10.search("severe mdd")] == ["F33.2"]
    assert calls == []


def test_an_unreadable_cache_file_is_rebuilt(cache_dir, monkeypatch):
    cache_dir.mkdir()
    icd10._cache_file().write_text('{"codes": [["F33.2"', encoding="utf-8")  # cut short
    calls = _builds(monkeypatch, SMALL)

    assert icd10.lookup("F33.2") is not None
    assert calls == [1]
    _fresh_process_state(monkeypatch)
    _builds(monkeypatch, icd10._CodeSet(codes={}, index=[]))
    assert icd10.lookup("F33.2") is not None  # the rewritten file is whole


def test_a_cache_directory_that_cannot_be_written_still_gives_answers(
    settings, tmp_path, monkeypatch
):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.ICD10_CACHE_DIR = blocker / "cache"  # mkdir fails: the parent is a file
    _fresh_process_state(monkeypatch)
    _builds(monkeypatch, SMALL)

    assert icd10.lookup("F33.2") is not None


def test_upgrading_the_package_means_a_new_cache_file(cache_dir, monkeypatch):
    before = icd10._cache_file()
    monkeypatch.setattr(icd10.importlib.metadata, "version", lambda name: "99.0.0")

    assert icd10._cache_file() != before
    assert "99.0.0" in icd10._cache_file().name
