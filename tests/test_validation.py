"""One test per validation rule, on files the tests write themselves."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.listing import Listing
from core.settings import Limits
from photos import decode_upright, shrink_rgb, to_rgb
from validation import EMPTY_LISTING_MESSAGE, ValidationError, load_image, validate


def _save(image: Image.Image, path: Path, **params: object) -> Path:
    image.save(path, **params)
    return path


def _jpeg(tmp_path: Path, name: str = "photo.jpg", size: tuple[int, int] = (64, 48)) -> Path:
    return _save(Image.new("RGB", size, (200, 30, 30)), tmp_path / name, format="JPEG")


def _refusal(listing: Listing, limits: Limits | None = None) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate(listing, limits)
    return caught.value.messages


def test_valid_listing_passes_with_clean_fields(tmp_path: Path) -> None:
    valid = validate(Listing([_jpeg(tmp_path)], {" Цена ": " 5000 ", "Цвет": "  "}, "  Текст  "))
    assert [p.name for p in valid.photos] == ["photo.jpg"]
    assert valid.photos[0].image.mode == "RGB"
    assert valid.attributes == {"Цена": "5000"}  # trimmed, empty value dropped
    assert valid.text == "Текст"


def test_eleven_images_refused(tmp_path: Path) -> None:
    paths = [_jpeg(tmp_path, f"p{i}.jpg") for i in range(11)]
    [message] = _refusal(Listing(paths))
    assert "11" in message and "10" in message


def test_ten_images_accepted(tmp_path: Path) -> None:
    paths = [_jpeg(tmp_path, f"p{i}.jpg") for i in range(10)]
    assert len(validate(Listing(paths)).photos) == 10


def test_webp_renamed_jpg_refused_by_content(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (32, 32)), tmp_path / "fake.jpg", format="WEBP")
    [message] = _refusal(Listing([path]))
    assert "fake.jpg" in message and "WEBP" in message


@pytest.mark.parametrize("content", [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "просто текст".encode()])
def test_pdf_or_text_renamed_jpg_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "doc.jpg"
    path.write_bytes(content)
    [message] = _refusal(Listing([path]))
    assert "doc.jpg" in message and "не похоже на изображение" in message


def test_png_content_under_jpg_name_accepted(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (20, 20)), tmp_path / "really_png.jpg", format="PNG")
    assert validate(Listing([path])).photos[0].image.size == (20, 20)


def test_extension_case_insensitive_and_foreign_extension_refused(tmp_path: Path) -> None:
    upper = _jpeg(tmp_path, "UPPER.JPEG")
    assert validate(Listing([upper])).photos[0].name == "UPPER.JPEG"
    webp = _save(Image.new("RGB", (8, 8)), tmp_path / "photo.webp", format="WEBP")
    [message] = _refusal(Listing([webp]))
    assert "photo.webp" in message and ".webp" in message


def test_file_over_25_mb_refused_before_reading(tmp_path: Path) -> None:
    path = _jpeg(tmp_path, "big.jpg")
    with path.open("ab") as handle:
        handle.truncate(26 * 1024 * 1024)
    [message] = _refusal(Listing([path]))
    assert "big.jpg" in message and "25 МБ" in message


def test_truncated_jpeg_refused(tmp_path: Path) -> None:
    full = _save(Image.effect_noise((256, 256), 60).convert("RGB"), tmp_path / "full.jpg", format="JPEG")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    [message] = _refusal(Listing([cut]))
    assert "cut.jpg" in message and "повреждён" in message


def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims width×height but holds almost no data (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    data = zlib.compress(b"\x00" * 64)
    idat = struct.pack(">I", len(data)) + b"IDAT" + data + struct.pack(">I", zlib.crc32(b"IDAT" + data))
    iend = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + ihdr + idat + iend)
    return path


def test_12000_square_png_refused_before_decoding(tmp_path: Path) -> None:
    path = _png_header_only(tmp_path / "bomb.png", 12000, 12000)
    [message] = _refusal(Listing([path]))
    assert "bomb.png" in message and "12000×12000" in message


def test_huge_header_over_pillow_limit_refused(tmp_path: Path) -> None:
    path = _png_header_only(tmp_path / "bigger.png", 30000, 30000)
    [message] = _refusal(Listing([path]))
    assert "bigger.png" in message and "разрешение" in message


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    path = _save(Image.new("CMYK", (40, 30), (0, 255, 255, 0)), tmp_path / "cmyk.jpg", format="JPEG")
    image = load_image(path)
    assert image.mode == "RGB"
    red, green, blue = image.getpixel((20, 15))
    assert red > 200 and green < 60 and blue < 60


def test_animated_gif_gives_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (16, 16), colour) for colour in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    image = load_image(path)
    assert image.mode == "RGB"
    red, green, blue = image.getpixel((8, 8))
    assert red > 200 and blue < 60 and green < 60


def test_exif_rotated_jpeg_is_turned_upright(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    path = _save(Image.new("RGB", (80, 40)), tmp_path / "rotated.jpg", format="JPEG", exif=exif)
    assert load_image(path).size == (40, 80)


@pytest.mark.parametrize(
    ("mode", "colour", "expected"),
    [
        ("RGBA", (255, 0, 0, 0), (255, 255, 255)),  # fully transparent → white background
        ("RGBA", (0, 0, 255, 255), (0, 0, 255)),
        ("LA", (0, 255), (0, 0, 0)),
        ("L", 128, (128, 128, 128)),
    ],
)
def test_modes_converted_to_rgb(mode: str, colour: object, expected: tuple[int, int, int]) -> None:
    converted = to_rgb(Image.new(mode, (4, 4), colour))  # type: ignore[arg-type]
    assert converted.mode == "RGB"
    assert converted.getpixel((1, 1)) == expected


def test_palette_png_with_transparency_converted(tmp_path: Path) -> None:
    image = Image.new("P", (8, 8), 0)
    image.putpalette([10, 200, 10] + [0] * 765)
    path = _save(image, tmp_path / "palette.png", format="PNG")
    assert load_image(path).getpixel((2, 2)) == (10, 200, 10)


def test_sixteen_bit_grey_scaled_not_clipped(tmp_path: Path) -> None:
    image = Image.new("I;16", (8, 8), 32768)
    path = _save(image, tmp_path / "deep.png", format="PNG")
    value = load_image(path).getpixel((3, 3))[0]
    assert 120 <= value <= 135  # half of the 16-bit range is mid-grey, not white


def test_large_photo_is_shrunk_to_the_working_side_with_its_upright_size_kept(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned by a quarter
    photo = Image.new("RGB", (4000, 2000), (200, 30, 30))
    path = _save(photo, tmp_path / "wide.jpg", format="JPEG", exif=exif)
    [valid] = validate(Listing([path])).photos
    assert valid.size == (2000, 4000)  # the upload, upright
    side = Limits().working_side
    assert valid.image.size == (250, 500)  # decoded at 1/8 scale: the longer side 500 still ≥ 448, upright
    assert side <= max(valid.image.size) < 2 * side
    assert valid.image.getpixel((150, 300))[0] > 180


def test_a_phone_photo_decodes_at_the_dct_scale_its_longer_side_allows(tmp_path: Path) -> None:
    rows = np.linspace(0, 255, 3000, dtype=np.float32)[:, None, None]
    columns = np.linspace(0, 255, 4000, dtype=np.float32)[None, :, None]
    noise = np.random.default_rng(0).normal(0, 12, (3000, 4000, 3))
    pixels = np.clip((rows + columns) / 2 + noise, 0, 255).astype(np.uint8)
    path = _save(Image.fromarray(pixels), tmp_path / "phone.jpg", format="JPEG", quality=90)
    with Image.open(path) as image:
        small, size = decode_upright(image, 448)
        # a 1/8 DCT scale (the shorter side alone, 375 under 448, would not allow it)
        assert image.size == (500, 375)
    assert size == (4000, 3000) and small.size == (500, 375)
    with Image.open(path) as image:
        full = image.convert("RGB").reduce(8)  # the same scale from a full-size decode
    difference = np.abs(np.asarray(small, dtype=np.int16) - np.asarray(full, dtype=np.int16))
    assert difference.mean() < 1.5


def test_the_pixels_decoded_are_counted_at_the_scale_they_were_decoded(tmp_path: Path) -> None:
    phone = _save(Image.new("RGB", (4000, 3000), (20, 90, 160)), tmp_path / "phone.jpg", format="JPEG")
    flat = _save(Image.new("RGB", (2000, 1500), (20, 90, 160)), tmp_path / "flat.png", format="PNG")
    assert validate(Listing([phone])).decoded_pixels == 500 * 375  # JPEG: its 1/8 DCT scale
    assert validate(Listing([flat])).decoded_pixels == 2000 * 1500  # any other format: full size
    assert validate(Listing([phone, flat, phone])).decoded_pixels == 2 * 500 * 375 + 2000 * 1500
    assert validate(Listing([], {"Цена": "1"})).decoded_pixels == 0


def test_a_panorama_keeps_the_shorter_side_a_model_squashes_to_a_square(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (4000, 800), (20, 90, 160)), tmp_path / "panorama.jpg", format="JPEG")
    with Image.open(path) as image:
        small, _ = decode_upright(image, 448)
    assert small.size == (2000, 400)  # 1/2: at 1/4 the shorter side (200) would be under half of 448


def test_strips_of_a_large_photo_convert_alike() -> None:
    deep = Image.new("I", (3100, 2000), 1000)
    deep.paste(4000, (0, 1000, 3100, 2000))  # the brightest pixels only in the bottom strips
    shrunk = shrink_rgb(deep, 1536)
    assert shrunk.size == (1550, 1000)  # the largest whole factor that keeps the longer side ≥ 1536
    assert shrunk.getpixel((500, 100)) == (63, 63, 63) and shrunk.getpixel((500, 600)) == (255, 255, 255)
    clear = Image.new("P", (3100, 2000), 1)
    clear.putpalette([10, 200, 10, 0, 0, 0] + [0] * 762)
    clear.info["transparency"] = 1
    clear.paste(0, (0, 0, 3100, 100))
    shrunk = shrink_rgb(clear, 1536)
    assert shrunk.getpixel((500, 10)) == (10, 200, 10) and shrunk.getpixel((500, 600)) == (255, 255, 255)


def test_fifty_attributes_accepted_fifty_one_refused_with_the_limit() -> None:
    fifty = {f"Поле {i}": "да" for i in range(50)}
    assert len(validate(Listing([], fifty)).attributes) == 50
    [message] = _refusal(Listing([], {**fifty, "Ещё одно": "да", "Пустое": " "}))
    assert "характеристик" in message and "51" in message and "50" in message


def test_listing_over_the_total_character_limit_refused_with_the_limit() -> None:
    attributes = {f"Поле {i}": "з" * 490 for i in range(14)}  # each field within its own limit
    [message] = _refusal(Listing([], attributes, "т" * 4000))
    assert "10000" in message and "слишком длинное" in message
    limits = Limits(max_listing_chars=100_000)
    assert validate(Listing([], attributes, "т" * 4000), limits).text


def test_attribute_key_over_100_refused() -> None:
    [message] = _refusal(Listing([], {"К" * 101: "значение"}))
    assert "101" in message and "100" in message


def test_attribute_value_over_500_refused() -> None:
    [message] = _refusal(Listing([], {"Описание": "я" * 501}))
    assert "«Описание»" in message and "500" in message


def test_value_without_field_name_refused() -> None:
    [message] = _refusal(Listing([], {"  ": "красный"}))
    assert "красный" in message


def test_text_over_5000_refused() -> None:
    [message] = _refusal(Listing([], {}, "а" * 5001))
    assert "5001" in message and "5000" in message


def test_empty_listing_points_to_test_cases() -> None:
    assert _refusal(Listing([], {"Цвет": "  "}, "   ")) == [EMPTY_LISTING_MESSAGE]
    assert "Тестовые примеры" in EMPTY_LISTING_MESSAGE


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    messages = _refusal(Listing([_jpeg(tmp_path), bad], {"Описание": "я" * 600}, "а" * 6000))
    assert len(messages) == 3
    assert any(m.startswith("Фото 2 (bad.png)") for m in messages)


def test_missing_file_named(tmp_path: Path) -> None:
    [message] = _refusal(Listing([tmp_path / "absent.jpg"]))
    assert "absent.jpg" in message and "не найден" in message
