"""Helpers for the data export tests: opening the ZIP a member downloads."""

import io
import json
import re
import zipfile
from dataclasses import dataclass

import pytest

from forum.extensions import utcnow

FILES = {"firsthand-export.json", "posts.html", "README.txt"}


@dataclass
class Export:
    """The files of a downloaded export, read as the member would."""

    names: set[str]
    document: dict
    html: str
    readme: str
    raw_json: str


def read_zip(data: bytes) -> Export:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        texts = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    raw = texts["firsthand-export.json"]
    return Export(
        names=set(texts),
        document=json.loads(raw),
        html=texts["posts.html"],
        readme=texts["README.txt"],
        raw_json=raw,
    )


def assert_zip_download(response) -> None:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"filename=firsthand-export-{utcnow():%Y-%m-%d}.zip" in disposition
    assert response.headers["Cache-Control"] == "no-store"


def download(client) -> Export:
    """Press "Download my data" and open the ZIP that comes back."""
    with client.post("/settings/export") as response:
        assert_zip_download(response)
        return read_zip(response.data)


ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def big_app(make_app):
    """Every account counts as large: exports are queued and built by the CLI."""
    return make_app(EXPORT_INLINE_MAX_POSTS=1)
