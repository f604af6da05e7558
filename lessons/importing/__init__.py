"""Question import and export: xlsx and csv as organisers write them, Aiken and GIFT."""
