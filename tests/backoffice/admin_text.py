"""What an operator reads on an admin page: the visible text, without tags, scripts, styles or
attribute values, and the raw patterns that must never be there (ids like `#7 1@7`, snake_case
keys such as template names, English column headers)."""

import re
from html.parser import HTMLParser

RAW_PATTERNS = {
    "raw id": re.compile(r"#\d+ \d+@\d+|\b\d+@\d+\b"),
    "snake_case key": re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),
    "field name": re.compile(r"\b(?:created|updated) at\b|\bID\b", re.IGNORECASE),
}
# Visible text that is the operators' own data (demo usernames and openids), not a raw key.
ALLOWED = re.compile(r"\b(?:wx_)?dev_parent\d+\b")


class _Text(HTMLParser):
    SKIP = {"script", "style", "title", "svg", "template"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skipping += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def raw_findings(html: str, raw_values: frozenset[str] = frozenset()) -> list[str]:
    """Raw patterns in the visible text; `raw_values` are stored choice values (`waiting`, `booked`)
    that must be shown by their labels."""
    found = []
    for text in visible_text(html):
        cleaned = ALLOWED.sub("", text)
        for name, pattern in RAW_PATTERNS.items():
            found += [f"{name}: {match!r} in {text[:80]!r}" for match in pattern.findall(cleaned)]
        found += [
            f"raw value: {word!r} in {text[:80]!r}" for word in re.findall(r"[a-z]+", cleaned) if word in raw_values
        ]
    return found
