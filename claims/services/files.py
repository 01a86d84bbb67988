"""Stored files that no record refers to (issue 14, finding 12).

A file is written before the row that names it is committed: an upload, or a rendered packet. A
process killed in between, or a transaction rolled back after the write, leaves a file nobody can
reach, and these are health records. The hourly sweep deletes them once they are old enough that
no save can still be on its way (a save takes seconds; the grace is an hour).
"""

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.core.files.storage import Storage

from ..models import Packet, SupportingDocument

ORPHAN_GRACE = timedelta(hours=1)
# The folders the app writes patients' files to (models: document_upload_to, Packet.file).
_FOLDERS = ("documents", "packets")


def files_prune_orphans(*, now: datetime) -> int:
    """Delete stored files under the app's folders that no document or packet names, and that
    were last written before `now` minus the grace. Returns how many were deleted."""
    storage = SupportingDocument._meta.get_field("file").storage  # Packet's is the same
    known = set(SupportingDocument.objects.values_list("file", flat=True))
    known |= set(Packet.objects.exclude(file="").values_list("file", flat=True))
    deleted = 0
    for name in _stored_files(storage):
        if name in known or storage.get_modified_time(name) >= now - ORPHAN_GRACE:
            continue
        storage.delete(name)
        deleted += 1
    return deleted


def _stored_files(storage: Storage) -> Iterator[str]:
    # Not storage.exists(folder) first: in a bucket a folder is only a prefix of its files' names,
    # never an object itself, so S3 answers False for it and the sweep found nothing there.
    pending = list(_FOLDERS)
    while pending:
        folder = pending.pop()
        try:
            directories, files = storage.listdir(folder)
        except FileNotFoundError:  # on local disk: nothing was ever stored in it
            continue
        pending.extend(f"{folder}/{d}" for d in directories)
        yield from (f"{folder}/{f}" for f in files)
