"""Caption models: the checkpoint registry and one module per model kind."""
