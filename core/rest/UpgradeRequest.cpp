// SPDX-License-Identifier: GPL-3.0-or-later
#include "rest/UpgradeRequest.h"

#include <array>

namespace qsoketi {

QByteArray UpgradeRequest::essential(const HttpRequest &head, const QByteArray &raw)
{
    // The parser refuses bare LFs, so the head ends at the first blank line.
    const qsizetype headEnd = raw.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return raw;
    // No Sec-WebSocket-Extensions: QtWebSockets negotiates none, so it would only be kept.
    static constexpr std::array<const char *, 8> kept{"host", "upgrade", "connection", "sec-websocket-key",
        "sec-websocket-version", "sec-websocket-protocol", "origin", "sec-websocket-origin"};
    const qsizetype rest = raw.size() - (headEnd + 4);
    QByteArray out;
    out.reserve(head.rawPath.size() + 256 + rest);
    // The query (protocol=7&client=js&version=…) is read by nothing after the upgrade, but QWebSocket
    // would keep it twice in UTF-16.
    out.append("GET ").append(head.rawPath).append(" HTTP/1.1\r\n");
    for (const char *name : kept) {
        const auto it = head.headers.constFind(QByteArray::fromRawData(name, qsizetype(qstrlen(name))));
        if (it == head.headers.cend())
            continue;
        out.append(name).append(": ").append(*it).append("\r\n");
    }
    out.append("\r\n");
    out.append(raw.constData() + headEnd + 4, rest);
    return out;
}

} // namespace qsoketi
