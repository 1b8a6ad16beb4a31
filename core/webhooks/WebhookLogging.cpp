// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhooks/WebhookLogging.h"

// Debug output is off unless SOKETI_DEBUG is set (the app enables "qsoketi.*.debug=true" then).
Q_LOGGING_CATEGORY(lcWebhooks, "qsoketi.webhooks", QtInfoMsg)
