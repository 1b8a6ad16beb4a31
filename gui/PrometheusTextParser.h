// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QStringList>

#include "metrics/MetricsSnapshot.h"

namespace qsoketi {

// Prometheus text exposition format 0.0.4 → MetricsSnapshot, so a scrape of a remote node (another
// qsoketi, or soketi itself) feeds the same models as a local registry snapshot. Lenient like a
// scraper: a malformed line is reported in `errors` and skipped, the rest is still used.
class PrometheusTextParser
{
public:
    struct Result
    {
        MetricsSnapshot snapshot;
        QStringList errors; // "line N: reason"
    };

    static Result parse(const QByteArray &text, qint64 takenAtMs = 0);
    // "+Inf", "-Inf", "NaN" or a C-locale number; false on anything else.
    static bool parseValue(QByteArrayView text, double *value);
};

} // namespace qsoketi
