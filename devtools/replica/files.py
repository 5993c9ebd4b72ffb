"""SUNAT's daily bulk files, served from a directory (ReplicaServer(files_dir=...)).

    GET /padron_reducido_ruc.zip               (www2.sunat.gob.pe)   padron_reducido_ruc.zip
    GET /descarga/AgentRet/AgenRet_TXT.zip     (www.sunat.gob.pe)    AgenRet_TXT.zip
    GET /descarga/AgentRet/AgenPerc_TXT.zip                          AgenPerc_TXT.zip
    GET /descarga/AgentRet/AgenPercVI_TXT.zip                        AgenPercVI_TXT.zip
    GET /descarga/BueCont/BueCont_TXT.zip                            BueCont_TXT.zip
    GET /descargaPRR/padron_reducido_local_anexo.zip                 padron_reducido_local_anexo.zip

Each answer carries Content-Length, Last-Modified (the file's mtime) and an ETag (its size and
mtime, like nginx's), and a conditional GET or HEAD (If-None-Match, else If-Modified-Since) of
an unchanged file is answered 304 without a body: what the importer's sync relies on. A file
missing from the directory is a 404. Both hosts' paths live on the one replica.
"""

import email.utils
import shutil
from datetime import UTC, datetime
from pathlib import Path

FILE_PATHS = {
    "/padron_reducido_ruc.zip": "padron_reducido_ruc.zip",
    "/descarga/AgentRet/AgenRet_TXT.zip": "AgenRet_TXT.zip",
    "/descarga/AgentRet/AgenPerc_TXT.zip": "AgenPerc_TXT.zip",
    "/descarga/AgentRet/AgenPercVI_TXT.zip": "AgenPercVI_TXT.zip",
    "/descarga/BueCont/BueCont_TXT.zip": "BueCont_TXT.zip",
    "/descargaPRR/padron_reducido_local_anexo.zip": "padron_reducido_local_anexo.zip",
}
ZIP_CONTENT_TYPE = "application/zip"


def etag_of(path: Path) -> str:
    stat = path.stat()
    return f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'


class FilesMixin:
    """The bulk files' GET and HEAD for ReplicaRequestHandler (its replica, send_response...)."""

    def serves_file(self, path: str) -> bool:
        return self.replica.files_dir is not None and path in FILE_PATHS

    def send_file(self, path: str, head: bool = False):
        file = Path(self.replica.files_dir) / FILE_PATHS[path]
        try:
            handle = file.open("rb")
        except OSError:
            self.send_error(404, "File not found")
            return
        with handle:
            stat = file.stat()
            etag = etag_of(file)
            last_modified = datetime.fromtimestamp(int(stat.st_mtime), tz=UTC)
            if self._not_modified(etag, last_modified):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", self.date_time_string(int(stat.st_mtime)))
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ZIP_CONTENT_TYPE)
            self.send_header("Content-Length", str(stat.st_size))
            self.send_header("Last-Modified", self.date_time_string(int(stat.st_mtime)))
            self.send_header("ETag", etag)
            self.end_headers()
            if not head:
                shutil.copyfileobj(handle, self.wfile)

    def _not_modified(self, etag: str, last_modified: datetime) -> bool:
        """RFC 9110 13.2.2: If-None-Match (weak comparison) wins; If-Modified-Since only without it."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since is None:
            return False
        try:  # as SimpleHTTPRequestHandler.send_head reads it
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, IndexError, OverflowError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return last_modified <= since
