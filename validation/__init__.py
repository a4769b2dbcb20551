"""Stage: input checks. Every refusal is a Russian message naming the file or field, never a traceback."""

from validation.validate import EMPTY_LISTING_MESSAGE, ValidationError, ValidListing, load_image, validate

__all__ = ["EMPTY_LISTING_MESSAGE", "ValidListing", "ValidationError", "load_image", "validate"]
