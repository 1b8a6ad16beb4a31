// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <vector>

#include <QMetaType>

#include <prometheus/metric_family.h>

namespace qsoketi {

// One consistent reading of every metric family: what /metrics serialises and what the dashboard charts.
struct MetricsSnapshot
{
    std::vector<prometheus::MetricFamily> families;
    qint64 takenAtMs = 0; // wall clock (ms since epoch) when collected
};

} // namespace qsoketi

Q_DECLARE_METATYPE(qsoketi::MetricsSnapshot)
