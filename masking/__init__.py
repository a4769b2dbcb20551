"""Numbers the model can never get wrong: mask() before any model, restore() after."""

from masking.fields import FIELD_WORDS, UNITS
from masking.mask import mask
from masking.restore import restore
from masking.types import MaskedListing, Restored

__all__ = ["FIELD_WORDS", "UNITS", "MaskedListing", "Restored", "mask", "restore"]
