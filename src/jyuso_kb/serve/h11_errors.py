"""A request h11 cannot read, answered in the service's one error shape.

h11 refuses some requests before any ASGI app sees them: a request line with bytes outside printable ASCII (a URL
with raw UTF-8 such as ``/v1/who-handles?q=空き家``, which must be percent-encoded), or a request line and headers
longer than ``--h11-max-incomplete-event-size``. uvicorn then answers a plain-text 400 「Invalid HTTP request
received.」; this protocol answers the same 400 as ``{"error": {"code", "message", "where", "hint"}}`` in Japanese
(the request is not quoted, and the connection is closed as before). ``jyuso-kb serve`` runs uvicorn with it.
"""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

BAD_REQUEST = {
    "error": {
        "code": "bad_request",
        "message": "HTTP の要求として読めません(URL に使えない文字があるか、要求行とヘッダーが長すぎます)。",
        "where": "request",
        "hint": "URL の日本語や空白はパーセントエンコードしてください(curl では -G --data-urlencode 'q=…')。",
    }
}
BODY = json.dumps(BAD_REQUEST, ensure_ascii=False).encode()


class JsonErrorH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, whose 400 for an unreadable request is the project's JSON error."""

    def send_400_response(self, msg: str) -> None:
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(BODY)).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"cache-control", b"no-store"),
            (b"connection", b"close"),
        ]
        self.transport.write(self.conn.send(h11.Response(status_code=400, headers=headers, reason=b"Bad Request")))
        self.transport.write(self.conn.send(h11.Data(data=BODY)))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()
