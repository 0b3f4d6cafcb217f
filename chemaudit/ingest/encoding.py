"""Byte-order marks: strip a UTF-8 BOM, transcode BOM-marked UTF-16 to UTF-8, refuse UTF-32."""

from __future__ import annotations

import codecs

from chemaudit.errors import BadInput

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


class BomStage:
    """Looks at the first four bytes once, then passes text on as UTF-8 bytes (BOM removed)."""

    def __init__(self) -> None:
        self._head = b""
        self._decided = False
        self._utf16: codecs.IncrementalDecoder | None = None
        self.encoding = "utf-8"

    def feed(self, data: bytes) -> bytes:
        if not self._decided:
            self._head += data
            if len(self._head) < 4:
                return b""
            data, self._head = self._decide(self._head), b""
        if self._utf16 is not None:
            return self._transcode(data, final=False)
        return data

    def finish(self) -> bytes:
        out = b""
        if not self._decided:
            out = self._decide(self._head)
            self._head = b""
            if self._utf16 is None:
                return out
        if self._utf16 is not None:
            return self._transcode(out, final=True)
        return out

    def _decide(self, head: bytes) -> bytes:
        self._decided = True
        if head.startswith(UTF32_BOMS):
            raise BadInput("The file is UTF-32 encoded, which is not supported; save it as UTF-8 and upload it again.")
        if head.startswith(UTF8_BOM):
            self.encoding = "utf-8-sig"
            return head[len(UTF8_BOM):]
        if head.startswith(UTF16_BOMS):
            self.encoding = "utf-16"
            self._utf16 = codecs.getincrementaldecoder("utf-16")("strict")
        return head

    def _transcode(self, data: bytes, *, final: bool) -> bytes:
        assert self._utf16 is not None, "only a UTF-16 upload is transcoded"
        try:
            return self._utf16.decode(data, final).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadInput(
                f"The file starts with a UTF-16 byte-order mark but is not valid UTF-16 ({exc.reason}); "
                "save it as UTF-8 and upload it again."
            ) from None
