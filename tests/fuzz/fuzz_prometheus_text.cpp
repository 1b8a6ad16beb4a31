// SPDX-License-Identifier: GPL-3.0-or-later
// Prometheus text exposition scraped from a remote node (the dashboard's --metrics-url): any bytes a
// server sends go through PrometheusTextParser. What it accepts is serialised again with our own
// PrometheusTextSerializer, whose every line the parser must read back: no syntax error (name, label,
// escape, value). Errors of meaning may remain, because the order of families can change what a line is:
// after "# HELP s …", "s_count -1", "# TYPE s summary" the count is read as the summary's the second time.
#include <cstddef>
#include <cstdint>

#include <QByteArray>

#include "FuzzCheck.h"
#include "PrometheusTextParser.h"
#include "metrics/PrometheusTextSerializer.h"

using namespace qsoketi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    const PrometheusTextParser::Result result = PrometheusTextParser::parse(text, 1);
    FUZZ_CHECK(result.snapshot.takenAtMs == 1);
    FUZZ_CHECK(result.errors.size() <= text.count('\n') + 1);

    const QByteArray again = PrometheusTextSerializer::serialize(result.snapshot);
    const PrometheusTextParser::Result reparsed = PrometheusTextParser::parse(again, 1);
    for (const QString &error : reparsed.errors) {
        const bool meaning = error.endsWith(QLatin1String(": a count must be a number from 0 to 2^64"))
            || error.endsWith(QLatin1String(" label")); // missing le / quantile
        if (!meaning)
            std::fprintf(stderr, "re-serialised text:\n%s\nerror: %s\n", again.constData(), qPrintable(error));
        FUZZ_CHECK(meaning);
    }
    FUZZ_CHECK(reparsed.snapshot.families.size() <= result.snapshot.families.size());
    return 0;
}
