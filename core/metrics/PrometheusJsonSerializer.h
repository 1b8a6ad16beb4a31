// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QJsonArray>

#include "metrics/MetricsSnapshot.h"

namespace qsoketi {

// MetricsSnapshot → the JSON of /metrics?json=1, in prom-client's getMetricsAsJSON() shape:
// [{"help","name","type","values":[{"value","labels":{…}}],"aggregator"}]. Histogram samples carry
// "metricName" (<name>_bucket/_sum/_count) and an "le" label, as in prom-client. Non-finite values
// become null (what JSON.stringify does with NaN/Infinity); a +Inf bucket bound is the string "+Inf".
class PrometheusJsonSerializer
{
public:
    static QJsonArray toJson(const MetricsSnapshot &snapshot);
    static QByteArray serialize(const MetricsSnapshot &snapshot);
};

} // namespace qsoketi
