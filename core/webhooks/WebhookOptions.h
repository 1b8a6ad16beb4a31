// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

#include "webhooks/RetryPolicy.h"

namespace qsoketi {

struct ServerConfig;

// How webhooks are sent (SOKETI_WEBHOOKS_*; docs/webhooks.md).
struct WebhookOptions
{
    bool batching = false;
    int batchingDurationMs = 50;
    int requestTimeoutMs = 10000; // no answer for this long: the attempt failed
    RetryPolicy::Settings retry;
    int maxPendingPerApp = 10000; // deliveries waiting per app; beyond, the oldest is dropped
    // Requests (connections) to one webhook on the wire at once; each webhook has its own.
    int maxInFlightPerWebhook = 6;
    int deliveryLogSize = 100; // deliveries remembered per app

    static WebhookOptions fromConfig(const ServerConfig &config);
};

} // namespace qsoketi
