"""NudeNet photo moderation: verdicts on plain detections, decoding, the real detector on real photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from core.listing import Photo
from core.models import ModelStore
from core.settings import Settings
from moderation.config import EXPLICIT_LABELS_RU, ModerationConfig
from moderation.images import (
    NUDENET_LABELS,
    bundled_model_path,
    check_photos,
    decode,
    letterbox,
    nudenet_session,
    photo_check,
)

CONFIG = ModerationConfig()
HARMLESS = [label for label in NUDENET_LABELS if label not in EXPLICIT_LABELS_RU]


def _photo(number: int = 1, name: str = "a.jpg", size: tuple[int, int] = (40, 30)) -> Photo:
    return Photo(number, name, Image.new("RGB", size, "white"))


def _load(path: Path, number: int) -> Photo:
    return Photo(number, path.name, ImageOps.exif_transpose(Image.open(path)).convert("RGB"))


def _detection(label: str, score: float) -> dict:
    return {"class": label, "score": score, "box": [1, 2, 30, 40]}


@pytest.mark.parametrize("label", sorted(EXPLICIT_LABELS_RU))
def test_explicit_detection_rejects_and_names_photo_and_body_part(label: str) -> None:
    check = photo_check(_photo(3, "Beach_IMG.JPG"), [_detection(label, 0.8)], CONFIG, 0.01)
    assert check.verdict == "reject"
    assert check.photo == 3
    assert check.score == pytest.approx(0.8)
    assert check.reason_ru.startswith("Фото 3 (Beach_IMG.JPG): ")
    assert EXPLICIT_LABELS_RU[label] in check.reason_ru


@pytest.mark.parametrize("label", HARMLESS)
def test_feet_belly_armpits_faces_and_covered_parts_never_reject(label: str) -> None:
    check = photo_check(_photo(), [_detection(label, 0.99)], CONFIG, 0.0)
    assert check.verdict == "pass"
    assert check.reason_ru == ""


def test_explicit_detection_below_threshold_passes_and_threshold_is_configurable() -> None:
    detections = [_detection("BUTTOCKS_EXPOSED", 0.45)]
    assert photo_check(_photo(), detections, CONFIG, 0.0).verdict == "pass"
    strict = ModerationConfig(explicit_threshold=0.4)
    assert photo_check(_photo(), detections, strict, 0.0).verdict == "reject"
    only_genitalia = ModerationConfig(explicit_labels=("MALE_GENITALIA_EXPOSED",))
    assert photo_check(_photo(), [_detection("BUTTOCKS_EXPOSED", 0.9)], only_genitalia, 0.0).verdict == "pass"


def test_letterbox_keeps_aspect_and_pads_right_and_bottom_with_black() -> None:
    image = Image.new("RGB", (640, 320), (255, 0, 0))
    array, factor = letterbox(image, 320)
    assert array.shape == (3, 320, 320)
    assert factor == pytest.approx(2.0)
    assert array[0, :160].min() == pytest.approx(1.0)  # red channel of the image part
    assert array[1, :160].max() == pytest.approx(0.0)
    assert array[:, 160:].max() == pytest.approx(0.0)  # padding


def _raw_output(anchors: int = 50) -> np.ndarray:
    return np.zeros((4 + len(NUDENET_LABELS), anchors), dtype=np.float32)


def test_decode_maps_boxes_to_original_pixels_and_suppresses_duplicates() -> None:
    raw = _raw_output()
    anus = 4 + NUDENET_LABELS.index("ANUS_EXPOSED")
    feet = 4 + NUDENET_LABELS.index("FEET_EXPOSED")
    raw[:4, 0] = [100, 100, 40, 20]  # centre x, y, width, height in model pixels
    raw[anus, 0] = 0.9
    raw[:4, 1] = [101, 100, 40, 20]  # near-duplicate box, lower score: suppressed
    raw[anus, 1] = 0.7
    raw[:4, 2] = [250, 250, 20, 20]
    raw[feet, 2] = 0.5
    raw[:4, 3] = [10, 10, 5, 5]  # below the minimum score: dropped
    raw[feet, 3] = 0.1
    detections = decode(raw, factor=2.0, size=(640, 600), config=CONFIG)
    assert [(d["class"], d["score"]) for d in detections] == [("ANUS_EXPOSED", 0.9), ("FEET_EXPOSED", 0.5)]
    assert detections[0]["box"] == [160, 180, 80, 40]
    assert detections[1]["box"] == [480, 480, 40, 40]


@pytest.mark.slow
def test_every_shared_photo_passes(shared_photos: Path) -> None:
    paths = sorted(shared_photos.rglob("*.jpg"))
    assert len(paths) > 300
    checks = check_photos([_load(p, i) for i, p in enumerate(paths, 1)], ModelStore(Settings()), CONFIG)
    assert len(checks) == len(paths)
    rejected = [(paths[c.photo - 1].name, c.details["detections"]) for c in checks if c.verdict != "pass"]
    assert rejected == []
    assert all(c.seconds > 0 for c in checks)


def test_real_session_output_with_an_explicit_box_rejects_that_photo(
    shared_photos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: only the ONNX session's output is replaced; preprocessing, decoding and verdict run."""
    paths = sorted((shared_photos / "clothing" / "dress").glob("*.jpg"))[:3]
    photos = [_load(p, i) for i, p in enumerate(paths, 1)]
    models = ModelStore(Settings())
    session = models.load(bundled_model_path(), nudenet_session)  # the instance check_photos will use
    real_run = session.run
    batches = []

    def run_with_explicit_second_image(output_names, feeds):
        (blob,) = feeds.values()
        batches.append(blob.shape)
        (output,) = real_run(output_names, feeds)
        output = output.copy()
        output[1, :4, 0] = [160, 160, 100, 100]
        output[1, 4 + NUDENET_LABELS.index("FEMALE_BREAST_EXPOSED"), 0] = 0.93
        return [output]

    monkeypatch.setattr(session, "run", run_with_explicit_second_image)
    checks = check_photos(photos, models, CONFIG)
    assert batches == [(3, 3, 320, 320)]  # one batched run for the listing
    assert [c.verdict for c in checks] == ["pass", "reject", "pass"]
    assert f"Фото 2 ({paths[1].name})" in checks[1].reason_ru
    assert "грудь" in checks[1].reason_ru
    assert checks[1].score == pytest.approx(0.93, abs=1e-4)


def test_no_photos_no_checks() -> None:
    assert check_photos([], ModelStore(Settings()), CONFIG) == []
