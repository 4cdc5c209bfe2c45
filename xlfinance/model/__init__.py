"""The model core: lines written once, evaluated by numpy and emitted as Excel formulas."""
