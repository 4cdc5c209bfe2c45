"""Renderers: they take results and write files; they never redo the maths."""
