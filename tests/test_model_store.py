"""The model store: each model loads once, lazily; missing is None, broken is an error naming the folder."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from core.catalogue import TOXICITY_MODEL
from core.device import DeviceError, resolve_device
from core.models import ModelLoadError, ModelStore
from core.settings import Settings


def _read(folder: Path, device: str) -> str:
    """A loader: the folder's config.json text (slow enough for threads to race for it)."""
    time.sleep(0.05)
    return (folder / "config.json").read_text(encoding="utf-8") + f"@{device}"


def test_a_model_loads_once_even_when_many_threads_ask_at_once(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    store = ModelStore(Settings(device="cpu"))
    calls: list[int] = []

    def counting(folder: Path, device: str) -> str:
        calls.append(1)
        return _read(folder, device)

    results: list[str] = []
    def ask() -> None:
        results.append(store.load(tmp_path, counting))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]
    assert results == ["{}@cpu"] * 8
    assert store.loaded() == [(tmp_path.resolve(), counting)]


def test_a_missing_catalogue_model_is_none_and_loads_nothing(tmp_path: Path) -> None:
    store = ModelStore(Settings(models_dir=tmp_path, device="cpu"))
    assert store.known(TOXICITY_MODEL, _read) is None
    assert store.loaded() == []


def test_a_present_catalogue_model_loads_from_its_folder(tmp_path: Path) -> None:
    (tmp_path / TOXICITY_MODEL).mkdir()
    (tmp_path / TOXICITY_MODEL / "config.json").write_text('{"a": 1}')
    store = ModelStore(Settings(models_dir=tmp_path, device="cpu"))
    assert store.known(TOXICITY_MODEL, _read) == '{"a": 1}@cpu'


def test_a_broken_folder_is_an_error_naming_it_with_the_download_command(tmp_path: Path) -> None:
    folder = tmp_path / TOXICITY_MODEL
    folder.mkdir()
    (folder / "config.json").write_text("{}")

    def broken(folder: Path, device: str) -> str:
        raise ValueError("Error while deserializing header: header too large\nsecond line")

    store = ModelStore(Settings(models_dir=tmp_path, device="cpu"))
    with pytest.raises(ModelLoadError) as error:
        store.known(TOXICITY_MODEL, broken)
    message = str(error.value)
    assert str(folder.resolve()) in message
    assert "повреждена" in message and "header" not in message  # the library's English stays in the log
    assert f"python -m pipeline download {TOXICITY_MODEL}" in message
    assert store.loaded() == []  # a failed load is not kept: the next request tries again


def test_a_russian_cause_is_kept_in_the_message(tmp_path: Path) -> None:
    def refusing(folder: Path, device: str) -> str:
        raise OSError("нет файла vocab.txt\nвторая строка")

    with pytest.raises(ModelLoadError) as error:
        ModelStore(Settings(models_dir=tmp_path, device="cpu")).load(tmp_path, refusing)
    assert "(нет файла vocab.txt)" in str(error.value) and "вторая" not in str(error.value)


def test_a_russian_error_of_the_loader_passes_as_it_is(tmp_path: Path) -> None:
    def refusing(folder: Path, device: str) -> str:
        raise ModelLoadError("В папке модели не хватает файлов")

    with pytest.raises(ModelLoadError, match=r"^В папке модели не хватает файлов$"):
        ModelStore(Settings(device="cpu")).load(tmp_path, refusing)


@pytest.mark.parametrize("setting", ["tpu", "gpu", ""])
def test_an_unknown_device_setting_is_refused_in_russian(setting: str) -> None:
    with pytest.raises(DeviceError, match="допустимо auto, cpu, cuda"):
        resolve_device(setting)


def test_cpu_stays_cpu_and_auto_is_a_real_device() -> None:
    assert resolve_device("CPU") == "cpu"
    assert resolve_device("auto") in ("cpu", "cuda")
