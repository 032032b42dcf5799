"""newstui: a terminal news reader with an offline SQLite library."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/newstui/newstui"
USER_AGENT = f"newstui/{__version__} (+{PROJECT_URL})"
