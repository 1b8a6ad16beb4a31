// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhooks/WebhookOptions.h"

#include "config/ServerConfig.h"

namespace qsoketi {

WebhookOptions WebhookOptions::fromConfig(const ServerConfig &config)
{
    WebhookOptions options;
    options.batching = config.webhooksBatching;
    options.batchingDurationMs = config.webhooksBatchingDurationMs;
    options.requestTimeoutMs = config.webhooksTimeoutMs;
    options.retry.firstDelayMs = config.webhooksRetryFirstDelayMs;
    options.retry.maxDelayMs = config.webhooksRetryMaxDelayMs;
    options.retry.windowMs = config.webhooksRetryWindowMs;
    options.maxPendingPerApp = config.webhooksMaxQueuePerApp;
    options.deliveryLogSize = config.webhooksDeliveryLogSize;
    return options;
}

} // namespace qsoketi
