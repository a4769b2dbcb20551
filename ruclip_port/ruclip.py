"""RuCLIP: load a hub-layout folder and embed photos and texts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image

from photos import PhotoMemo
from ruclip_port.chunks import text_chunks
from ruclip_port.model import RuCLIPConfig, RuCLIPModel
from ruclip_port.preprocessing import CLIP_MEAN, CLIP_STD, ImagePreprocessor, SquareMode
from ruclip_port.tokenizer import BPETokenizer, RuCLIPTokenizer

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "pytorch_model.bin"
BPE_FILE = "bpe.model"


class RuCLIP:
    """A loaded ruCLIP model with its tokeniser and image preprocessing.

    Embeddings come back on the CPU as float32. `encode_texts` handles texts of any length: a text that
    fits the 77-token context is encoded whole; a longer one is split at sentence boundaries into
    chunks that fit (see `chunks.text_chunks`) and its embedding is the normalised mean of its
    chunks' normalised embeddings, so no part of it is silently truncated.
    """

    def __init__(
        self,
        model: RuCLIPModel,
        tokenizer: RuCLIPTokenizer,
        preprocess: ImagePreprocessor,
        device: torch.device | str = "cpu",
    ) -> None:
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.preprocess = preprocess
        self._prompts: dict[tuple[str, ...], torch.Tensor] = {}
        self._photos: PhotoMemo[torch.Tensor] = PhotoMemo()  # raw image features of the photos in use

    @classmethod
    def from_pretrained(
        cls, folder: Path | str, device: torch.device | str = "cpu", square: SquareMode = "pad"
    ) -> RuCLIP:
        """Load `config.json`, `pytorch_model.bin` (strictly) and `bpe.model` from a hub-layout folder.

        `square` picks how non-square photos are made square: "pad" (default) or "crop" (the original).
        """
        folder = Path(folder)
        config = RuCLIPConfig.from_dict(json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8")))
        state = torch.load(folder / WEIGHTS_FILE, map_location="cpu", weights_only=True)
        with torch.device("meta"):
            model = RuCLIPModel(config)
        model.load_state_dict(state, strict=True, assign=True)
        model = model.float()
        tokenizer = RuCLIPTokenizer(BPETokenizer.from_file(folder / BPE_FILE), config.context_length)
        preprocess = ImagePreprocessor(
            image_size=config.image_resolution,
            mean=config.mean or CLIP_MEAN,
            std=config.std or CLIP_STD,
            mode=square,
        )
        return cls(model, tokenizer, preprocess, device)

    def save_pretrained(self, folder: Path | str) -> Path:
        """Write the folder in the hub layout (`config.json`, `pytorch_model.bin`, `bpe.model`)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        config = json.dumps(self.model.config.to_dict(), indent=2)
        (folder / CONFIG_FILE).write_text(config + "\n", encoding="utf-8")
        state = {k: v.detach().cpu().contiguous() for k, v in self.model.state_dict().items()}
        torch.save(state, folder / WEIGHTS_FILE)
        self.tokenizer.bpe.save(folder / BPE_FILE)
        return folder

    @property
    def embed_dim(self) -> int:
        """Size of the shared image/text embedding."""
        return self.model.config.embed_dim

    @property
    def photo_dtype(self) -> torch.dtype:
        """The dtype the image tower computes in (float32, or bfloat16/float16 as its placement chose)."""
        return self.model.visual.conv1.weight.dtype

    @property
    def logit_scale(self) -> float:
        """The learned temperature exp(logit_scale): logits = logit_scale · cosine."""
        return float(self.model.logit_scale.detach().exp())

    @torch.inference_mode()
    def encode_images(
        self, images: Sequence[Image.Image], normalize: bool = True, batch_size: int = 16
    ) -> torch.Tensor:
        """Image embeddings, shape (len(images), embed_dim).

        Unit-normalised by default; `normalize=False` gives the raw projected features of the vision
        tower (what a CLIP-prefix captioner consumes). Each photo object is encoded once while it lives:
        the request's embeddings and a prefix captioner given the same photos share one pass. Photos go
        to the device as uint8 in batches and are normalised there, in the model's dtype.
        """
        if not images:
            return torch.empty(0, self.embed_dim)
        rows = {id(image): self._photos.get(image) for image in images}
        missing = list({id(image): image for image in images if rows[id(image)] is None}.values())
        dtype = self.photo_dtype
        for start in range(0, len(missing), batch_size):
            batch = missing[start : start + batch_size]
            pixels = self.preprocess.pixels(batch).to(self.device, non_blocking=True)
            features = self.model.encode_image(self.preprocess.normalise(pixels, dtype)).float().cpu()
            for image, row in zip(batch, features, strict=True):
                rows[id(image)] = row
                self._photos.put(image, row)
        features = torch.stack([rows[id(image)] for image in images])
        return F.normalize(features, dim=-1) if normalize else features

    @torch.inference_mode()
    def encode_texts(self, texts: Sequence[str], batch_size: int = 64) -> torch.Tensor:
        """Unit-normalised text embeddings, shape (len(texts), embed_dim); long texts are chunked."""
        owners: list[int] = []
        chunks: list[list[int]] = []
        for index, text in enumerate(texts):
            pieces = text_chunks(text, self.tokenizer)
            chunks.extend(pieces)
            owners.extend([index] * len(pieces))
        if not chunks:
            return torch.empty(0, self.embed_dim)
        parts = []
        for i in range(0, len(chunks), batch_size):
            ids = self.tokenizer.batch(chunks[i : i + batch_size]).to(self.device)
            parts.append(self.model.encode_text(ids, self.tokenizer.eos_id))
        per_chunk = F.normalize(torch.cat(parts).float().cpu(), dim=-1)
        sums = torch.zeros(len(texts), self.embed_dim).index_add_(0, torch.tensor(owners), per_chunk)
        return F.normalize(sums, dim=-1)

    def encode_prompts(self, prompts: Sequence[str]) -> torch.Tensor:
        """Embeddings of fixed prompts (category lists, zero-shot prompts): encoded once per loaded
        model and reused by every request, since they never change."""
        key = tuple(prompts)
        if key not in self._prompts:
            self._prompts[key] = self.encode_texts(list(key)).float()
        return self._prompts[key]
