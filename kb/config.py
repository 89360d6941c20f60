"""Configuration from the environment, with embedded defaults that need no set-up."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


def database_url() -> str:
    """`KB_DATABASE_URL`, or a SQLite file in the project's instance folder."""
    url = os.environ.get("KB_DATABASE_URL")
    if url:
        return url
    INSTANCE_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'kb.sqlite3'}"


def tutorialbank_csv() -> Path:
    """The TutorialBank topic table that names the lynx dump's `idNNN` tokens (optional)."""
    default = PROJECT_ROOT.parent / "shared" / "data" / "tutorialbank" / "prerequisite_topics.csv"
    return Path(os.environ.get("KB_TUTORIALBANK_CSV", default))


def fetch_allowed_networks() -> tuple[str, ...]:
    """`KB_FETCH_ALLOW_NETWORKS`: comma-separated CIDRs that `kb import URL` may reach although
    they are private or local (an intranet wiki, a test server); none by default."""
    return tuple(
        c.strip() for c in os.environ.get("KB_FETCH_ALLOW_NETWORKS", "").split(",") if c.strip()
    )
