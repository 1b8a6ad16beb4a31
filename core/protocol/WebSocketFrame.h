// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace qsoketi {

// Server-to-client WebSocket frames (RFC 6455 §5.2: FIN set, never masked). A broadcast is framed once
// and the same bytes are written to every subscriber's socket.
class WebSocketFrame
{
public:
    static QByteArray text(QByteArrayView payload);
    static qsizetype headerSize(qsizetype payloadSize);
};

} // namespace qsoketi
