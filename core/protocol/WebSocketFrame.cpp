// SPDX-License-Identifier: GPL-3.0-or-later
#include "protocol/WebSocketFrame.h"

namespace qsoketi {

namespace {

QByteArray frame(unsigned char opcode, QByteArrayView payload)
{
    const qsizetype n = payload.size();
    QByteArray out;
    out.reserve(WebSocketFrame::headerSize(n) + n);
    out.append(static_cast<char>(0x80 | opcode));
    if (n < 126) {
        out.append(static_cast<char>(n));
    } else if (n <= 0xffff) {
        out.append(static_cast<char>(126));
        out.append(static_cast<char>((n >> 8) & 0xff));
        out.append(static_cast<char>(n & 0xff));
    } else {
        out.append(static_cast<char>(127));
        for (int shift = 56; shift >= 0; shift -= 8)
            out.append(static_cast<char>((static_cast<quint64>(n) >> shift) & 0xff));
    }
    out.append(payload);
    return out;
}

} // namespace

qsizetype WebSocketFrame::headerSize(qsizetype payloadSize)
{
    return payloadSize < 126 ? 2 : (payloadSize <= 0xffff ? 4 : 10);
}

QByteArray WebSocketFrame::text(QByteArrayView payload)
{
    return frame(0x1, payload);
}

} // namespace qsoketi
