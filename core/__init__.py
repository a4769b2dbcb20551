"""Ground floor: listing and result types, settings, device choice, Russian morphology, the catalogue
of known models and the model store. Imports nothing of the project's other packages."""
