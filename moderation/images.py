"""Explicit-nudity check of photos with NudeNet's bundled 320n ONNX detector, batched.

preprocess (letterbox to a square, scale to the model's side) → forward (one ONNX run per batch)
→ postprocess (decode, non-maximum suppression) → verdict on plain detections, where an exposed body
part must also show skin in the middle of its box (photos.skin) unless the detector is nearly certain.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from core.listing import Photo
from core.models import ModelStore
from core.placement import Placement, in_threads
from moderation.config import EXPLICIT_LABELS_RU, ModerationConfig
from moderation.report import Check, sentence_start, stopwatch
from photos import model_copy
from photos.skin import skin_share

# Output channel order of NudeNet 3.x detectors (after the four box coordinates).
NUDENET_LABELS: tuple[str, ...] = (
    "FEMALE_GENITALIA_COVERED",
    "FACE_FEMALE",
    "BUTTOCKS_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_BREAST_EXPOSED",
    "ANUS_EXPOSED",
    "FEET_EXPOSED",
    "BELLY_COVERED",
    "FEET_COVERED",
    "ARMPITS_COVERED",
    "ARMPITS_EXPOSED",
    "FACE_MALE",
    "BELLY_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED",
    "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
)
CHECK_NAME = "nudity"

Detection = dict[str, Any]


def bundled_model_path() -> Path | None:
    """The 320n.onnx file shipped inside the `nudenet` package, or None when it is not installed."""
    spec = importlib.util.find_spec("nudenet")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "320n.onnx"
    return path if path.is_file() else None


def nudenet_session(model_path: Path, placement: Placement) -> Any:
    """The ONNX Runtime session of a detector file (through the model store: once per path).

    It runs on the CPU whatever the torch device, with the store's thread count (the CPUs torch uses
    too: the two take turns, so neither pool is over-subscribed). Idle worker threads sleep instead of
    spinning: spinning would burn the CPU time torch needs next. No memory arena: a ten-photo batch
    would otherwise keep its working memory (tens of MB) between requests.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = placement.threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.enable_cpu_mem_arena = False
    return onnxruntime.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])


def letterbox(images: Sequence[Image.Image], side: int) -> tuple[np.ndarray, list[float]]:
    """The images as one NCHW float32 batch in [0, 1]: each scaled to fit `side` (from the photo's
    shared copy at model scale), padded right/bottom with black.

    Returns the batch and, per image, the factor that maps model coordinates back to its pixels. Images
    are scaled a few at a time, each colour band straight into its place in the batch.
    """
    batch = np.zeros((len(images), 3, side, side), dtype=np.float32)

    def place(index: int) -> float:
        width, height = images[index].size
        factor = max(width, height) / side
        size = (max(1, round(width / factor)), max(1, round(height / factor)))
        resized = model_copy(images[index]).resize(size, Image.Resampling.BILINEAR, reducing_gap=3.0)
        for plane, band in zip(batch[index], resized.split(), strict=True):
            np.divide(np.asarray(band), np.float32(255.0), out=plane[: size[1], : size[0]], dtype=np.float32)
        return factor

    return batch, in_threads(place, range(len(images)))


def _nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    """Indices kept by greedy non-maximum suppression over (x, y, w, h) boxes."""
    x1, y1 = boxes[:, 0], boxes[:, 1]
    x2, y2 = x1 + boxes[:, 2], y1 + boxes[:, 3]
    areas = boxes[:, 2] * boxes[:, 3]
    order = list(np.argsort(-scores))
    keep: list[int] = []
    while order:
        best, rest = order[0], np.array(order[1:], dtype=int)
        keep.append(int(best))
        if not rest.size:
            break
        w = np.clip(np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest]), 0, None)
        h = np.clip(np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest]), 0, None)
        inter = w * h
        overlap = inter / np.maximum(areas[best] + areas[rest] - inter, 1e-9)
        order = [int(i) for i in rest[overlap <= iou]]
    return keep


def decode(
    output: np.ndarray, factor: float, size: tuple[int, int], config: ModerationConfig
) -> list[Detection]:
    """Detections of one image from the raw output (4 + n_classes, anchors), in original pixels."""
    preds = output.T
    class_scores = preds[:, 4:]
    classes = class_scores.argmax(axis=1)
    scores = class_scores.max(axis=1)
    keep = scores >= config.nudenet_min_score
    if not keep.any():
        return []
    centre, classes, scores = preds[keep, :4] * factor, classes[keep], scores[keep]
    width, height = size
    x = np.clip(centre[:, 0] - centre[:, 2] / 2, 0, width)
    y = np.clip(centre[:, 1] - centre[:, 3] / 2, 0, height)
    w = np.minimum(centre[:, 2], width - x)
    h = np.minimum(centre[:, 3], height - y)
    boxes = np.stack([x, y, w, h], axis=1)
    return [
        {
            "class": NUDENET_LABELS[int(classes[i])],
            "score": round(float(scores[i]), 4),
            "box": [int(v) for v in boxes[i]],
        }
        for i in _nms(boxes, scores, config.nudenet_nms_iou)
    ]


def detect(images: Sequence[Image.Image], config: ModerationConfig, session: Any) -> list[list[Detection]]:
    """NudeNet detections per image from an ONNX Runtime session; images go through it in batches."""
    input_name = session.get_inputs()[0].name
    side = config.nudenet_resolution
    results: list[list[Detection]] = []
    for start in range(0, len(images), config.nudenet_batch_size):
        batch = images[start : start + config.nudenet_batch_size]
        blob, factors = letterbox(batch, side)
        output = session.run(None, {input_name: blob})[0]
        for image, factor, raw in zip(batch, factors, output, strict=True):
            results.append(decode(raw, factor, image.size, config))
    return results


def box_middle(box: Sequence[int]) -> list[int]:
    """The centre half (each side) of an (x, y, width, height) box: the part, not its surroundings."""
    x, y, width, height = box
    return [x + width // 4, y + height // 4, max(1, width // 2), max(1, height // 2)]


def explicit_findings(
    image: Image.Image, detections: Sequence[Detection], config: ModerationConfig
) -> list[Detection]:
    """The detections that make a photo explicit, each with the skin share of its box middle.

    An exposed class at its threshold counts when the middle of its box shows skin, or when its score
    reaches `explicit_certain` whatever the colours.
    """
    found = []
    for d in detections:
        if d["class"] not in config.explicit_labels or d["score"] < config.explicit_threshold_for(d["class"]):
            continue
        skin = round(skin_share(image, box_middle(d["box"])), 3)
        if skin >= config.explicit_min_skin or d["score"] >= config.explicit_certain:
            found.append({**d, "skin": skin})
    return found


def photo_check(
    photo: Photo, detections: Sequence[Detection], config: ModerationConfig, seconds: float
) -> Check:
    """The nudity verdict of one photo from its detections."""
    findings = explicit_findings(photo.image, detections, config)
    # the highest explicit-class score, whether or not it reached the threshold
    score = max((d["score"] for d in detections if d["class"] in config.explicit_labels), default=0.0)
    details = {"detections": list(detections), "explicit": findings}
    if not findings:
        return Check(CHECK_NAME, "pass", score, "", details, seconds, photo.number)
    what = ", ".join(dict.fromkeys(EXPLICIT_LABELS_RU.get(d["class"], d["class"]) for d in findings))
    reason = f"{sentence_start(photo.label)}: откровенное изображение ({what}) — такие фото запрещены"
    return Check(CHECK_NAME, "reject", score, reason, details, seconds, photo.number)


def check_photos(photos: Sequence[Photo], models: ModelStore, config: ModerationConfig) -> list[Check]:
    """One nudity check per photo; "unavailable" for each when the detector is not installed."""
    model_path = bundled_model_path()
    if model_path is None:
        reason = (
            "недоступно: для проверки фото на откровенность нужен пакет nudenet — "
            "выполните `pip install nudenet`"
        )
        return [Check(CHECK_NAME, "unavailable", None, reason, {}, 0.0, p.number) for p in photos]
    if not photos:
        return []
    with stopwatch() as sw:
        session = models.load(model_path, nudenet_session)
        detections = detect([p.image for p in photos], config, session)
    per_photo = sw.seconds / len(photos)
    checks = []
    for photo, found in zip(photos, detections, strict=True):
        with stopwatch() as decision:
            check = photo_check(photo, found, config, per_photo)
        check.seconds += decision.seconds
        checks.append(check)
    return checks
