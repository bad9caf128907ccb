"""An LTI 1.3 Advantage tool for personalized, competency-based learning."""

__version__ = "0.1.0"
