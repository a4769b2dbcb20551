"""Moderation of photos, text and photo↔text consistency."""
