"""The checkpoint registry: folder scan, manifest checks, names from requests, lazy cached loading."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from captioning.base import Generation
from captioning.registry import (
    KINDS,
    CheckpointNotDownloadedError,
    Registry,
    UnknownCheckpointError,
)
from captioning.template import TemplateCaptioner
from core.models import ModelLoadError, ModelStore
from core.settings import PROJECT_ROOT, Settings
from masking.types import MaskedListing
from tests.checkpoint_folders import TEMPLATE, VIT, write_manifest, write_model_files


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    write_manifest(folder, "template", TEMPLATE)
    return folder


def registry_for(root: Path) -> Registry:
    return Registry(Settings(checkpoints_dir=root))


def test_shipped_checkpoints_list_with_their_status() -> None:
    registry = Registry(Settings(checkpoints_dir=PROJECT_ROOT / "checkpoints"))
    infos = {info.name: info for info in registry.list_checkpoints()}
    assert registry.invalid() == []
    assert registry.list_checkpoints()[0].name == "template"  # the default comes first
    assert infos["template"].status_ru == "готов"
    assert infos["template"].routes == ("text", "single", "multi")
    assert infos["vit-rugpt2"].source == {"hub": "tuman/vit-rugpt2-image-captioning", "revision": "main"}
    assert infos["vit-rugpt2"].images == "single"
    assert infos["qwen2-vl-2b"].source is not None
    assert infos["qwen2-vl-2b"].source["hub"] == "Qwen/Qwen2-VL-2B-Instruct"
    assert infos["qwen2-vl-2b"].images == "multi"
    assert infos["qwen2-vl-2b"].licence == "Apache-2.0"
    assert infos["vit-rugpt2"].to_dict() == {
        "name": "vit-rugpt2",
        "title": infos["vit-rugpt2"].title,
        "kind": "encoder-decoder",
        "images": "single",
        "routes": ["single", "multi"],
        "status": "не скачан",
        "source": {"hub": "tuman/vit-rugpt2-image-captioning", "revision": "main"},
        "licence": infos["vit-rugpt2"].licence,
    }


@pytest.mark.parametrize("name", ["vit-rugpt2", "qwen2-vl-2b"])
def test_downloadable_checkpoint_without_weights_is_not_downloaded(tmp_path: Path, name: str) -> None:
    manifest = json.loads((PROJECT_ROOT / "checkpoints" / name / "checkpoint.json").read_text("utf-8"))
    root = tmp_path / "checkpoints"
    write_manifest(root, name, manifest)
    registry = registry_for(root)
    info = registry.info(name)
    assert not info.present
    assert info.status_ru == "не скачан"
    with pytest.raises(CheckpointNotDownloadedError) as caught:
        registry.load(name)
    assert f"python -m pipeline download {name}" in str(caught.value)


@pytest.mark.parametrize(
    "files", [("config.json", "model.safetensors"), ("adapter_config.json", "adapter_model.safetensors")]
)
def test_weights_in_the_folder_make_a_checkpoint_ready(root: Path, files: tuple[str, str]) -> None:
    folder = write_manifest(root, "tuned", {**TEMPLATE, "source": {"hub": "org/model", "revision": "abc"}})
    assert registry_for(root).info("tuned").status_ru == "не скачан"
    (folder / files[0]).write_bytes(b"{}")
    save_file({"weight": np.zeros((2, 2), dtype=np.float32)}, str(folder / files[1]))
    info = registry_for(root).info("tuned")
    assert info.present and info.status_ru == "готов"


def test_every_folder_is_reported_with_its_state(root: Path) -> None:
    write_manifest(root, "vit-missing", VIT)
    write_model_files(write_manifest(root, "vit-ready", VIT))
    write_model_files(write_manifest(root, "vit-garbage", VIT), struct.pack("<Q", 2**40) + b"{}")
    write_model_files(write_manifest(root, "vit-cut", VIT), b"")
    (write_manifest(root, "vit-no-tokenizer", VIT) / "model.safetensors").write_bytes(
        (root / "vit-ready" / "model.safetensors").read_bytes()
    )
    write_manifest(root, "not-json", "{oops")
    write_manifest(root, "odd-kind", {**TEMPLATE, "kind": "gan"})
    for name in ("my model", "a;b", "x" * 120, "_private"):
        write_manifest(root, name, TEMPLATE)
    (root / ".cache").mkdir()  # hidden folders are not checkpoints and not shown
    states = {entry.name: entry for entry in registry_for(root).folders()}
    assert next(iter(states)) == "template"
    assert len(states) == 12
    assert {name: states[name].state for name in ("template", "vit-ready", "vit-missing")} == {
        "template": "готов", "vit-ready": "готов", "vit-missing": "не скачан"
    }  # fmt: skip
    broken = {name: entry.status_ru for name, entry in states.items() if entry.state == "повреждён"}
    assert set(broken) == {
        "vit-garbage", "vit-cut", "vit-no-tokenizer", "not-json", "odd-kind", "my model", "a;b", "x" * 120,
        "_private",
    }  # fmt: skip
    assert "model.safetensors" in broken["vit-garbage"] and "header" not in broken["vit-garbage"]
    assert "model.safetensors" in broken["vit-cut"] and "пустой" in broken["vit-cut"]
    assert "не хватает файлов: config.json; tokenizer.json или vocab.json" in broken["vit-no-tokenizer"]
    assert "checkpoint.json" in broken["not-json"] and "JSON" in broken["not-json"]
    assert "kind" in broken["odd-kind"] and "gan" in broken["odd-kind"]
    for name in ("my model", "a;b", "x" * 120, "_private"):
        assert "имя папки" in broken[name] and "без пробелов" in broken[name]
    assert states["x" * 120].to_dict()["name"] == "x" * 99 + "…"
    assert states["vit-garbage"].to_dict()["command"] == "python -m pipeline download vit-garbage"
    assert states["vit-ready"].to_dict()["routes"] == ["single", "multi"]


def test_a_cyrillic_folder_name_works(root: Path) -> None:
    write_manifest(root, "модель_2", {**TEMPLATE, "title": "Своя"})
    registry = registry_for(root)
    assert registry.info("модель_2").status_ru == "готов"
    assert isinstance(registry.load("модель_2"), TemplateCaptioner)


def test_broken_weights_refuse_to_load_in_russian_naming_the_folder(root: Path) -> None:
    folder = write_model_files(write_manifest(root, "vit-garbage", VIT), b"hello, not weights at all")
    with pytest.raises(ModelLoadError) as caught:
        registry_for(root).load("vit-garbage")
    message = str(caught.value)
    assert str(folder) in message and "повреждена" in message and "model.safetensors" in message
    assert "python -m pipeline download vit-garbage" in message
    assert "header" not in message and "Error" not in message


@pytest.mark.parametrize("damage", ["missing shard", "cut archive"])
def test_sharded_and_pickled_weights_are_checked(root: Path, damage: str) -> None:
    folder = write_model_files(write_manifest(root, "vit", VIT))
    if damage == "missing shard":
        first, second = "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"
        index = {"weight_map": {"a": first, "b": second}}
        (folder / "model.safetensors.index.json").write_text(json.dumps(index), encoding="utf-8")
        (folder / first).write_bytes((folder / "model.safetensors").read_bytes())
        expected = second
    else:
        with zipfile.ZipFile(folder / "pytorch_model.bin", "w") as archive:
            archive.writestr("archive/data.pkl", b"\x80\x02" + b"x" * 2000)
        whole = (folder / "pytorch_model.bin").read_bytes()
        (folder / "pytorch_model.bin").write_bytes(whole[: len(whole) // 2])
        expected = "pytorch_model.bin"
    info = registry_for(root).info("vit")
    assert info.state == "повреждён" and expected in info.status_ru


def test_a_huge_requested_name_is_echoed_short(root: Path) -> None:
    with pytest.raises(UnknownCheckpointError) as caught:
        registry_for(root).info("я" * 1_000_000)
    assert len(str(caught.value)) < 600 and "я" * 99 + "…" in str(caught.value)


@pytest.mark.parametrize(
    ("images", "routes"),
    [("none", ("text",)), ("single", ("single", "multi")), ("multi", ("single", "multi"))],
)
def test_routes_default_from_images(root: Path, images: str, routes: tuple[str, ...]) -> None:
    write_manifest(root, "m", {"kind": "template", "title": "М", "images": images})
    assert registry_for(root).info("m").routes == routes


@pytest.mark.parametrize(
    ("manifest", "field"),
    [
        ({**TEMPLATE, "kind": "gan"}, "kind"),
        ({k: v for k, v in TEMPLATE.items() if k != "title"}, "title"),
        ({**TEMPLATE, "title": "  "}, "title"),
        ({**TEMPLATE, "images": "many"}, "images"),
        ({**TEMPLATE, "routes": ["text", "video"]}, "routes"),
        ({**TEMPLATE, "routes": []}, "routes"),
        ({**TEMPLATE, "source": "Qwen/Qwen2-VL-2B-Instruct"}, "source"),
        ({**TEMPLATE, "source": {"hub": "no-slash"}}, "source.hub"),
        ({**TEMPLATE, "source": {"hub": "a/b", "revision": ""}}, "source.revision"),
        ({**TEMPLATE, "source": {"hub": "a/b", "files": "*.json"}}, "source.files"),
        ({**TEMPLATE, "generation": [1, 2]}, "generation"),
        ("{not json", "checkpoint.json"),
        ("[]", "checkpoint.json"),
    ],
)
def test_invalid_manifests_are_reported_with_folder_and_field(
    root: Path, manifest: dict | str, field: str
) -> None:
    write_manifest(root, "broken", manifest)
    registry = registry_for(root)
    assert [info.name for info in registry.list_checkpoints()] == ["template"]
    [bad] = registry.invalid()
    assert bad.folder == root / "broken"
    assert bad.field == field
    assert "broken" in str(bad) and field in str(bad)
    with pytest.raises(UnknownCheckpointError) as caught:
        registry.load("broken")
    assert field in str(caught.value)


def test_source_file_patterns_are_kept(root: Path) -> None:
    source = {"hub": "org/model", "revision": "v1", "files": ["*.json", "*.safetensors"]}
    write_manifest(root, "partial", {**TEMPLATE, "source": source})
    assert registry_for(root).info("partial").source == source


def test_folder_without_manifest_is_reported(root: Path) -> None:
    (root / "stray").mkdir()
    [bad] = registry_for(root).invalid()
    assert (bad.folder.name, bad.field) == ("stray", "checkpoint.json")


@pytest.mark.parametrize(
    "name",
    ["../template", "..", "a/b", "template/", "/etc", "C:\\x", "a\\b", "te..mp", "", " template", ".hidden"],
)
def test_names_that_are_not_plain_folder_names_are_refused(root: Path, name: str) -> None:
    registry = registry_for(root)
    with pytest.raises(UnknownCheckpointError) as caught:
        registry.load(name)
    assert isinstance(caught.value, KeyError)
    assert "template" in str(caught.value)


def test_unknown_name_lists_the_available_ones(root: Path) -> None:
    write_manifest(root, "other", {**TEMPLATE, "title": "Другой"})
    with pytest.raises(UnknownCheckpointError) as caught:
        registry_for(root).info("gpt-5")
    message = str(caught.value)
    assert "gpt-5" in message and "template" in message and "other" in message
    assert caught.value.available == ["template", "other"]


def test_load_builds_once_and_reuses(root: Path) -> None:
    registry = registry_for(root)
    first = registry.load("template")
    assert isinstance(first, TemplateCaptioner)
    assert registry.load("template") is first


def test_a_new_kind_is_one_table_entry(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []

    class Echo:
        def generate(self, masked: MaskedListing, diversity: str, images: list) -> Generation:
            return Generation(masked.text, tokens=1)

    def load_echo(folder: Path, manifest: dict, models: ModelStore) -> Echo:
        calls.append(folder)
        assert manifest["generation"] == {"depth": 2}
        return Echo()

    monkeypatch.setitem(KINDS, "echo", load_echo)
    write_manifest(
        root, "echo-1", {"kind": "echo", "title": "Эхо", "images": "none", "generation": {"depth": 2}}
    )
    registry = registry_for(root)
    assert registry.info("echo-1").routes == ("text",)
    captioner = registry.load("echo-1")
    registry.load("echo-1")
    assert calls == [root / "echo-1"]
    assert captioner.generate(MaskedListing({}, "привет"), "<SINGLE>", []).text == "привет"


def test_new_folder_is_picked_up_without_restart(root: Path) -> None:
    registry = registry_for(root)
    assert registry.names() == ["template"]
    write_manifest(root, "later", {**TEMPLATE, "title": "Позже"})
    assert registry.names() == ["template", "later"]


def test_checkpoints_folder_from_environment(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LISTING_CHECKPOINTS_DIR", str(root))
    assert Registry(Settings.from_env()).names() == ["template"]


def test_missing_checkpoints_folder_lists_nothing(tmp_path: Path) -> None:
    registry = registry_for(tmp_path / "absent")
    assert registry.list_checkpoints() == [] and registry.invalid() == [] and registry.folders() == []
    with pytest.raises(UnknownCheckpointError, match="нет ни одной") as caught:
        registry.load("template")
    assert str(tmp_path / "absent") in str(caught.value) and "LISTING_CHECKPOINTS_DIR" in str(caught.value)
