"""Our YouTokenToMe reader/encoder against the real youtokentome (dev dependency), on models trained here."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruclip_port.chunks import text_chunks
from ruclip_port.tokenizer import BPETokenizer, RuCLIPTokenizer, SpecialIds

# youtokentome needs a build without isolation, so plain `pip install -r requirements-dev.txt` can't
# bring it; .ci/run installs it (and fails on any skip). Locally:
#   pip install Cython==3.3.1 wheel==0.48.0 && pip install --no-build-isolation youtokentome==1.0.6
yttm = pytest.importorskip("youtokentome", reason="differential test needs youtokentome (see .ci/run)")

_WORDS_TEXT = (
    "платье футболка кроссовки куртка джинсы сумка рюкзак шапка шарф перчатки ботинки туфли юбка "
    "рубашка свитер пальто костюм телефон ноутбук планшет наушники зарядка чехол диван стол стул шкаф "
    "кровать лампа посуда кастрюля сковорода велосипед самокат коляска игрушка книга "
    "красный красное синяя белые чёрный зелёная серый бежевый розовая жёлтый голубой новое новый "
    "б/у отличном состоянии хлопок кожа шерсть натуральная размер цвет модель бренд доставка "
    "продаю недорого срочно торг уместен самовывоз почти носили сезон подарок оригинал гарантия"
)
_LATIN_TEXT = "Nike Adidas iPhone Samsung Zara XL XXL M S USB-C Bluetooth Wi-Fi"
WORDS, LATIN = _WORDS_TEXT.split(), _LATIN_TEXT.split()
PUNCT = [",", ".", "!", "?", ":", ";", "—", "-", "(", ")", "«", "»", "%", "₽", "/"]


def _sentence(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(3, 14)):
        roll = rng.random()
        if roll < 0.7:
            word = rng.choice(WORDS)
            parts.append(word.capitalize() if rng.random() < 0.15 else word)
        elif roll < 0.82:
            parts.append(rng.choice(LATIN))
        elif roll < 0.92:
            parts.append(str(rng.randint(0, 5000)))
        else:
            parts.append(rng.choice(PUNCT))
    text = " ".join(parts)
    return text + rng.choice([".", "!", "", "..."])


def _corpus(lines: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [_sentence(rng) for _ in range(lines)]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """youtokentome models trained on a Russian listing-like corpus: default ids, odd ids + coverage."""
    folder = tmp_path_factory.mktemp("yttm")
    data = folder / "corpus.txt"
    data.write_text("\n".join(_corpus(3000, seed=1)) + "\n", encoding="utf-8")
    models = {"default": folder / "default.model", "odd": folder / "odd.model"}
    yttm.BPE.train(data=str(data), model=str(models["default"]), vocab_size=600, n_threads=1)
    yttm.BPE.train(
        data=str(data),
        model=str(models["odd"]),
        vocab_size=250,
        coverage=0.995,
        n_threads=1,
        pad_id=3,
        unk_id=0,
        bos_id=1,
        eos_id=2,
    )
    return models


@pytest.fixture(scope="module")
def pairs(trained: dict[str, Path]) -> dict[str, tuple[BPETokenizer, yttm.BPE]]:
    """Each trained model loaded by our reader and by youtokentome."""
    return {
        name: (BPETokenizer.from_file(path), yttm.BPE(str(path), n_threads=1))
        for name, path in trained.items()
    }


def _yttm_ids(model: yttm.BPE, text: str) -> list[int]:
    return model.encode([text], output_type=yttm.OutputType.ID)[0]


EDGE_CASES = [
    "",
    "   ",
    "\t\n",
    "платье",
    "  ПЛАТЬЕ  красное\t\tразмер\n44  ",
    "a\u2581b\u2581\u2581c",
    "\u2581",
    "цена\u00a0100\u2003руб",
    "日本語 テキスト и по-русски",
    "эмодзи 😀😀 подряд 👗",
    "ёЁйЙ ъЪ",
    "x" * 300,
    "платье" * 40,
    "\x0bвертикальная\x0cтабуляция\r",
    "разделители\x1cне\x1fпробелы\x85для\u2028youtokentome",
]


@pytest.mark.parametrize("name", ["default", "odd"])
def test_ids_match_youtokentome_on_hundreds_of_strings(pairs: dict, name: str) -> None:
    ours, reference = pairs[name]
    texts = EDGE_CASES + _corpus(400, seed=2) + [t.lower() for t in _corpus(100, seed=3)]
    mismatches = [t for t in texts if ours.encode(t) != _yttm_ids(reference, t)]
    assert mismatches == []
    assert ours.vocab_size == reference.vocab_size()


@pytest.mark.parametrize("name", ["default", "odd"])
def test_special_ids_read_from_the_model(pairs: dict, name: str) -> None:
    ours, reference = pairs[name]
    special = ours.special
    assert [special.pad, special.unk, special.bos, special.eos] == [
        reference.subword_to_id(s) for s in ("<PAD>", "<UNK>", "<BOS>", "<EOS>")
    ]


_ALPHABET = st.sampled_from(
    list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")
    + list("abcdefxyzXYZ0123456789.,!?-—()«»%₽/")
    + [
        " ",
        " ",
        " ",
        "\t",
        "\n",
        "\r",
        "\u2581",
        "\u00a0",
        "\u2003",
        "\x85",
        "\x1c",
        "\x1f",
        "\u2028",
        "☃",
        "😀",
        "ß",
        "ç",
    ]
)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=_ALPHABET, max_size=60))
def test_ids_match_youtokentome_on_arbitrary_text(pairs: dict, text: str) -> None:
    for ours, reference in pairs.values():
        assert ours.encode(text) == _yttm_ids(reference, text)


def test_saved_model_is_read_back_by_youtokentome(trained: dict[str, Path], tmp_path: Path) -> None:
    ours = BPETokenizer.from_file(trained["odd"])
    ours.save(tmp_path / "bpe.model")
    reloaded = yttm.BPE(str(tmp_path / "bpe.model"), n_threads=1)
    original = yttm.BPE(str(trained["odd"]), n_threads=1)
    for text in _corpus(50, seed=4):
        assert _yttm_ids(reloaded, text) == _yttm_ids(original, text)
    assert BPETokenizer.from_file(tmp_path / "bpe.model").special == SpecialIds(unk=0, pad=3, bos=1, eos=2)


def test_ruclip_wrapping_matches_the_original_processor(trained: dict[str, Path]) -> None:
    """ruCLIP's processor: lower-case, keep 75 subwords, bos … eos, zeros after (77 in all)."""
    reference = yttm.BPE(str(trained["default"]), n_threads=1)
    tokenizer = RuCLIPTokenizer(BPETokenizer.from_file(trained["default"]), context_length=77)
    texts = ["Красное ПЛАТЬЕ, размер 44", " ".join(_corpus(30, seed=5)), ""]
    ids = tokenizer(texts)
    for text, row in zip(texts, ids.tolist(), strict=True):
        expected = [2, *_yttm_ids(reference, text.lower())[:75], 3]
        assert row == expected + [0] * (len(row) - len(expected))
    assert ids.shape[1] == 77


def test_long_text_chunks_cover_every_subword_within_the_context(trained: dict[str, Path]) -> None:
    tokenizer = RuCLIPTokenizer(BPETokenizer.from_file(trained["default"]), context_length=77)
    text = " ".join(_corpus(40, seed=6))
    chunks = text_chunks(text, tokenizer)
    assert len(chunks) > 1
    assert all(0 < len(c) <= 75 for c in chunks)
    assert [i for c in chunks for i in c] == tokenizer.subwords(text)


def test_unbroken_sentence_longer_than_the_context_is_windowed(trained: dict[str, Path]) -> None:
    tokenizer = RuCLIPTokenizer(BPETokenizer.from_file(trained["default"]), context_length=77)
    text = "Короткое начало. " + " ".join(["красное платье"] * 90) + " конец"
    chunks = text_chunks(text, tokenizer)
    assert [len(c) for c in chunks[:-1]] == [75] * (len(chunks) - 1)
    assert [i for c in chunks for i in c] == tokenizer.subwords(text)


def test_short_text_is_one_chunk(trained: dict[str, Path]) -> None:
    tokenizer = RuCLIPTokenizer(BPETokenizer.from_file(trained["default"]), context_length=77)
    assert text_chunks("Красное платье. Размер 44.", tokenizer) == [
        tokenizer.subwords("красное платье. размер 44.")
    ]


@pytest.mark.parametrize(
    "content", ["3 1\n9601 4\n1072 5\n", "", "<html>not found</html>", "1 0\n9601 4\n1 0 2 3 7\n"]
)
def test_malformed_model_file_is_refused(tmp_path: Path, content: str) -> None:
    (tmp_path / "bpe.model").write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="youtokentome"):
        BPETokenizer.from_file(tmp_path / "bpe.model")
