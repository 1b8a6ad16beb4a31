// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <optional>

#include <QString>
#include <QtGlobal>

namespace qsoketi {

// The webhook events soketi sends (spec §7.1). The values are bit positions in a webhook's event mask.
enum class WebhookEventType : quint8
{
    ChannelOccupied,
    ChannelVacated,
    MemberAdded,
    MemberRemoved,
    ClientEvent,
    CacheMiss,
};

constexpr quint32 webhookEventBit(WebhookEventType type)
{
    return 1u << quint32(type);
}

// The event's `name` in payloads and in a webhook's `event_types`.
constexpr QLatin1String webhookEventName(WebhookEventType type)
{
    switch (type) {
    case WebhookEventType::ChannelOccupied:
        return QLatin1String("channel_occupied");
    case WebhookEventType::ChannelVacated:
        return QLatin1String("channel_vacated");
    case WebhookEventType::MemberAdded:
        return QLatin1String("member_added");
    case WebhookEventType::MemberRemoved:
        return QLatin1String("member_removed");
    case WebhookEventType::ClientEvent:
        return QLatin1String("client_event");
    case WebhookEventType::CacheMiss:
        return QLatin1String("cache_miss");
    }
    return {};
}

inline std::optional<WebhookEventType> webhookEventFromName(QStringView name)
{
    for (quint8 i = 0; i <= quint8(WebhookEventType::CacheMiss); ++i) {
        const auto type = WebhookEventType(i);
        if (name == webhookEventName(type))
            return type;
    }
    return std::nullopt;
}

} // namespace qsoketi
