// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonArray>
#include <QString>
#include <QStringList>

namespace qsoketi {

// One Pusher application: credentials, switches and per-app limits (soketi's app model, spec §3).
// A plain value: the loader fills it, the server only reads it.
struct App
{
    QString id = QStringLiteral("app-id");
    QString key = QStringLiteral("app-key");
    QString secret = QStringLiteral("app-secret");

    int maxConnections = -1; // -1 (or 0) = unlimited
    bool enableClientMessages = false;
    bool enabled = true;
    int maxBackendEventsPerSecond = -1; // -1 = unlimited
    int maxClientEventsPerSecond = -1;
    int maxReadRequestsPerSecond = -1;
    bool enableUserAuthentication = false;

    int maxPresenceMembersPerChannel = 100;
    double maxPresenceMemberSizeInKb = 2;
    int maxChannelNameLength = 200;
    int maxEventChannelsAtOnce = 100;
    int maxEventNameLength = 200;
    double maxEventPayloadInKb = 100;
    int maxEventBatchSize = 10;

    // Beyond soketi: Pusher's `pusher_internal:subscription_count` event on channels of this app.
    bool enableSubscriptionCount = false;

    QJsonArray webhooks;

    // Beyond soketi: the web pages (Origin header) that may open WebSockets of this app; empty = any.
    // Entries and matching: OriginAllowList. Others are refused with 4009 after the upgrade.
    QStringList allowedOrigins;

    // Beyond soketi: after a secret rotation with a grace period, the replaced secret keeps signing
    // valid requests until previousSecretValidUntilMs (ms since the epoch); empty/0 = no grace.
    // AppSecrets::accepted() lists the secrets valid at a given moment.
    QString previousSecret;
    qint64 previousSecretValidUntilMs = 0;
};

} // namespace qsoketi
