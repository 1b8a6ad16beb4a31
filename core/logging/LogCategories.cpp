// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging/LogCategories.h"

// Debug output is off unless SOKETI_DEBUG is set (the app enables "qsoketi.*.debug=true" then).
Q_LOGGING_CATEGORY(lcWs, "qsoketi.ws", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRest, "qsoketi.rest", QtInfoMsg)
Q_LOGGING_CATEGORY(lcServer, "qsoketi.server", QtInfoMsg)
Q_LOGGING_CATEGORY(lcMetrics, "qsoketi.metrics", QtInfoMsg)
Q_LOGGING_CATEGORY(lcApp, "qsoketi.app", QtInfoMsg)
