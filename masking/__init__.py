"""Numbers the model can never get wrong: mask() before any model, restore() after."""
