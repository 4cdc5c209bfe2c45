"""xlfinance: low-carbon project finance and fund feasibility, as live Excel models and reports."""

__version__ = "0.1.0"
