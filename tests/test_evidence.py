"""The evidence store: content-addressed copies in the data directory, a shared folder or a bucket."""

from __future__ import annotations

import hashlib

from crawler.evidence import EvidenceStore

BODY = "<html>План по устранению недостатков</html>".encode()
SHA = hashlib.sha256(BODY).hexdigest()


def test_copies_go_to_the_data_directory_once_under_their_hash(tmp_path):
    store = EvidenceStore(tmp_path / "data")
    path = store.put(SHA, BODY, "text/html")
    assert path == f"evidence/{SHA[:2]}/{SHA}.html"
    assert (tmp_path / "data" / path).read_bytes() == BODY
    assert store.put(SHA, b"never rewritten", "text/html") == path
    assert (tmp_path / "data" / path).read_bytes() == BODY


def test_a_shared_folder_holds_what_the_data_directory_would(tmp_path):
    shared = tmp_path / "mnt" / "evidence"
    path = EvidenceStore(tmp_path / "worker", shared.as_uri()).put(SHA, BODY, "application/pdf")
    assert path == f"evidence/{SHA[:2]}/{SHA}.pdf"  # as the coordinator's data directory sees it
    assert (shared / SHA[:2] / f"{SHA}.pdf").read_bytes() == BODY
    assert not (tmp_path / "worker").exists()


def test_a_bucket_is_written_through_fsspec_and_named_by_url(tmp_path):
    import fsspec

    store = EvidenceStore(tmp_path / "worker", "memory://nokwatch-evidence/run")
    path = store.put(SHA, BODY, "text/html")
    assert path == f"memory://nokwatch-evidence/run/{SHA[:2]}/{SHA}.html"
    assert fsspec.filesystem("memory").cat_file(path) == BODY
