// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/ServerConfig.h"

namespace qsoketi::test {

// Where a test's server starts from: both ports ephemeral on loopback and a short shutdown grace, so
// tests never collide on a port and end quickly. The test sets what it is about on top.
inline ServerConfig loopbackConfig()
{
    ServerConfig config;
    config.host = QStringLiteral("127.0.0.1");
    config.port = 0;
    config.metrics.host = QStringLiteral("127.0.0.1");
    config.metrics.port = 0;
    config.shutdownGracePeriodMs = 100;
    return config;
}

} // namespace qsoketi::test
