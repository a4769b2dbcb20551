"""Stage: does a listing sell one item (`<SINGLE>`) or several (`<VARIATIVE>`)?

    from diversity import classify
    classify({"Название": "Набор посуды"}, "6 тарелок и 6 чашек").label  # "<VARIATIVE>"

`python -m diversity --evaluate FILE` measures the classifier on a labelled JSONL set.
"""

from diversity.classifier import Diversity, DiversityConfig, classify

__all__ = ["Diversity", "DiversityConfig", "classify"]
