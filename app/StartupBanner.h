// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

#include "config/ServerConfig.h"

// The lines printed once the server listens: URLs a newcomer can click (WebSocket with the default
// key, HTTP API, metrics), the mode and the configuration sources that were read.
class StartupBanner final
{
public:
    struct Facts
    {
        quint16 port = 0; // bound ports, as the server reports them
        quint16 metricsPort = 0;
        QString mode; // "window" or "headless (…why…)"
        int workers = 1; // event loops serving clients
        QStringList configSources; // e.g. ".env (/srv/app/.env)", "environment (SOKETI_PORT)"
    };

    static QStringList lines(const qsoketi::ServerConfig &config, const Facts &facts);
    // 0.0.0.0 → 127.0.0.1 and :: → ::1 (where a local browser reaches a wildcard listener), IPv6 in brackets.
    static QString urlHost(const QString &host);
};
