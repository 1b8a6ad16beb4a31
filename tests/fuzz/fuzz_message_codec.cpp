// SPDX-License-Identifier: GPL-3.0-or-later
// Pusher client messages (one WebSocket text frame each): MessageCodec::parse, the channel-name checks
// every subscription runs, and re-encoding with the codec's own JSON writer, which must give back a
// frame that parses to the same event and channel.
#include <cstddef>
#include <cstdint>

#include <QByteArray>
#include <QString>

#include "FuzzCheck.h"
#include "protocol/ChannelName.h"
#include "protocol/MessageCodec.h"

using namespace qsoketi;

namespace {

// A lone UTF-16 surrogate (from a "\ud800" escape) cannot survive UTF-8: it becomes U+FFFD.
bool survivesUtf8(const QString &text)
{
    return QString::fromUtf8(text.toUtf8()) == text;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray frame(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const auto message = MessageCodec::parse(frame, &error);
    if (!message) {
        FUZZ_CHECK(!error.isEmpty());
        return 0;
    }
    FUZZ_CHECK(!message->event.isEmpty());

    const QString &channel = message->channel;
    ChannelName::hasValidCharacters(channel);
    ChannelName::isCache(channel);
    ChannelName::typeName(ChannelName::type(channel));
    FUZZ_CHECK(MessageCodec::payloadSize(message->data) >= 0);

    const QByteArray dataJson = MessageCodec::jsonValue(message->data);
    const QByteArray again = MessageCodec::event(message->event, channel, dataJson, message->event);
    QString againError;
    const auto reparsed = MessageCodec::parse(again, &againError);
    FUZZ_CHECK(reparsed.has_value());
    if (survivesUtf8(message->event) && survivesUtf8(channel)) {
        FUZZ_CHECK(reparsed->event == message->event);
        FUZZ_CHECK(reparsed->channel == channel);
    }

    // The server's own answers quote client text (channel names, events) in the same way.
    FUZZ_CHECK(MessageCodec::parse(MessageCodec::error(4009, message->event, channel), &againError).has_value());
    FUZZ_CHECK(MessageCodec::parse(MessageCodec::subscriptionError(channel, message->event, channel, 401), &againError)
                   .has_value());
    return 0;
}
