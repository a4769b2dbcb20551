"""Offline tools over the pipeline's public stages: prefix-captioner training and its data
preparation (`python -m tools.train`), and checkpoint evaluation (`python -m tools.evaluate`)."""
