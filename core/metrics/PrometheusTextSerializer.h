// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>
#include <string_view>

#include <QByteArray>

#include "metrics/MetricsSnapshot.h"

namespace qsoketi {

// MetricsSnapshot → Prometheus text exposition format 0.0.4, laid out like prom-client (HELP, TYPE,
// samples, a blank line between families).
//
// Written here rather than reusing prometheus::TextSerializer: the 1.0.1 one was tried and is
// locale-safe (it imbues the classic locale), but it writes HELP texts unescaped (a newline in a HELP
// breaks the exposition), spells NaN "Nan" and prints 16 significant digits (values such as
// 0.1 + 0.2 do not round-trip). tst_prometheustextserializer pins each of these.
class PrometheusTextSerializer
{
public:
    static constexpr const char *contentType = "text/plain; version=0.0.4; charset=utf-8";

    static QByteArray serialize(const MetricsSnapshot &snapshot);

    // Shortest text that parses back to the same double, independent of every locale setting
    // (std::to_chars); "+Inf", "-Inf" and "NaN" as the format spells them.
    static std::string formatValue(double value);
    // Label value escaping: backslash, double quote and line feed.
    static std::string escapeLabelValue(std::string_view value);
    // The TYPE keyword of a family ("counter", "gauge", …); the JSON form uses the same words.
    static const char *typeName(prometheus::MetricType type);
    // HELP escaping: backslash and line feed (a double quote stays as is).
    static std::string escapeHelp(std::string_view help);
};

} // namespace qsoketi
