"""Loading ruCLIP through the model store: once per folder and device, shared by every request."""

from __future__ import annotations

from pathlib import Path

from core.catalogue import RUCLIP_MODEL
from core.models import ModelStore
from core.placement import Placement
from ruclip_port.ruclip import RuCLIP

TEXT_TOWER = ("transformer",)
PHOTO_TOWER = ("visual.transformer",)


def _from_folder(folder: Path, placement: Placement) -> RuCLIP:
    """LISTING_QUANTIZE=int8 turns the text tower's Linear layers to int8 and, on a CPU that computes
    bfloat16, the image tower to bfloat16; int8-photos the image tower's Linear layers to int8 too (its
    features feed every photo score and the prefix captioner)."""
    clip = RuCLIP.from_pretrained(folder, device=placement.device)
    clip.model = placement.prepare(clip.model, TEXT_TOWER + (PHOTO_TOWER if placement.int8_photos else ()))
    placement.photo_tower(clip.model.visual)
    return clip


def load_ruclip(models: ModelStore) -> RuCLIP | None:
    """The catalogue's ruCLIP (`<models>/ruclip-vit-base-patch32-384`), or None when it is not
    downloaded; a folder that is there but broken raises ModelLoadError naming it."""
    return models.known(RUCLIP_MODEL, _from_folder)


def load_ruclip_from(models: ModelStore, folder: Path) -> RuCLIP:
    """The ruCLIP model in any folder (a prefix captioner's vision tower), loaded once per folder."""
    return models.load(folder, _from_folder)
