"""nokwatch: watches whether social-sphere institutions publish what the НОК rules require."""

__version__ = "0.1.0"
