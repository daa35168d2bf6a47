"""Reference data shipped with the package (UK police forces, postcodes, boundaries)."""
