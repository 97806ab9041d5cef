"""Number formats of the user-facing texts."""


def hours_text(minutes: int | float) -> str:
    """Hours with at most one decimal and no trailing .0: 90 -> "1.5", 60 -> "1", 120 -> "2"."""
    text = f"{minutes / 60:.1f}"
    return text[:-2] if text.endswith(".0") else text
