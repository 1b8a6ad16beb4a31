// SPDX-License-Identifier: GPL-3.0-or-later
#include <clocale>
#include <cmath>
#include <cstdio>
#include <limits>
#include <locale>
#include <map>
#include <sstream>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QTest>

#include "metrics/MetricsRegistry.h"
#include "metrics/PrometheusJsonSerializer.h"
#include "metrics/PrometheusTextSerializer.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/text_serializer.h>

using namespace qsoketi;

namespace {

// A decimal comma and dot thousands separator for every C++ stream, whether or not the machine has a
// de_DE locale generated.
struct GermanPunctuation final : std::numpunct<char>
{
    char do_decimal_point() const override { return ','; }
    char do_thousands_sep() const override { return '.'; }
    std::string do_grouping() const override { return "\3"; }
};

prometheus::MetricFamily gaugeFamily(
    const std::string &name, const std::string &help, std::vector<std::pair<std::string, double>> series)
{
    prometheus::MetricFamily family{name, help, prometheus::MetricType::Gauge, {}};
    for (auto &[label, value] : series) {
        prometheus::ClientMetric metric;
        metric.label = {{"l", label}};
        metric.gauge.value = value;
        family.metric.push_back(metric);
    }
    return family;
}

// Parses sample lines back: "series" (name{labels} exactly as written) → value. The value text is read
// with the C locale's rules by hand-picked std::from_chars-equivalent QByteArray::toDouble (which is
// locale-independent), with the three special spellings of the format.
std::map<std::string, double> parseSamples(const QByteArray &text)
{
    std::map<std::string, double> samples;
    for (const QByteArray &line : text.split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const qsizetype space = line.lastIndexOf(' ');
        const QByteArray valueText = line.mid(space + 1);
        double value = 0;
        if (valueText == "+Inf")
            value = std::numeric_limits<double>::infinity();
        else if (valueText == "-Inf")
            value = -std::numeric_limits<double>::infinity();
        else if (valueText == "NaN")
            value = std::numeric_limits<double>::quiet_NaN();
        else {
            bool ok = false;
            value = valueText.toDouble(&ok);
            if (!ok)
                qFatal("unparsable sample value in line: %s", line.constData());
        }
        samples[line.left(space).toStdString()] = value;
    }
    return samples;
}

std::string seriesKey(const std::string &name, const prometheus::ClientMetric &metric, const std::string &extra = {})
{
    std::string key = name + "{";
    bool first = true;
    for (const auto &label : metric.label) {
        key += (first ? "" : ",") + label.name + "=\"" + label.value + "\"";
        first = false;
    }
    if (!extra.empty())
        key += (first ? "" : ",") + extra;
    return key + "}";
}

} // namespace

class TestPrometheusTextSerializer final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // Make every locale mechanism hostile: the C library (printf, strtod), the C++ global locale
        // (every new stream) and Qt's default QLocale.
        m_cLocale = std::setlocale(LC_ALL, "de_DE.UTF-8") != nullptr;
        std::locale::global(std::locale(std::locale::classic(), new GermanPunctuation));
        QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
    }

    void environmentIsReallyHostile()
    {
        std::ostringstream stream;
        stream << 1234567 << ' ' << 2.5;
        QCOMPARE(QByteArray::fromStdString(stream.str()), QByteArray("1.234.567 2,5"));
        if (!m_cLocale)
            QSKIP("de_DE.UTF-8 not generated here: printf stays in C (the C++ and Qt checks above still ran)");
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%g", 1.5);
        QCOMPARE(QByteArray(buffer), QByteArray("1,5"));
    }

    void formatsValues_data()
    {
        QTest::addColumn<double>("value");
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("zero") << 0.0 << QByteArray("0");
        QTest::newRow("integer") << 42.0 << QByteArray("42");
        QTest::newRow("large integer, no grouping") << 1234567.0 << QByteArray("1234567");
        QTest::newRow("fraction, decimal point") << 1234567.5 << QByteArray("1234567.5");
        QTest::newRow("0.1 shortest") << 0.1 << QByteArray("0.1");
        QTest::newRow("0.1+0.2 round-trips") << (0.1 + 0.2) << QByteArray("0.30000000000000004");
        QTest::newRow("2^53") << 9007199254740992.0 << QByteArray("9007199254740992");
        QTest::newRow("negative") << -3.25 << QByteArray("-3.25");
        QTest::newRow("tiny") << 1e-9 << QByteArray("1e-09");
        QTest::newRow("huge") << 1e21 << QByteArray("1e+21");
        QTest::newRow("+Inf") << std::numeric_limits<double>::infinity() << QByteArray("+Inf");
        QTest::newRow("-Inf") << -std::numeric_limits<double>::infinity() << QByteArray("-Inf");
        QTest::newRow("NaN") << std::numeric_limits<double>::quiet_NaN() << QByteArray("NaN");
    }
    void formatsValues()
    {
        QFETCH(double, value);
        QFETCH(QByteArray, text);
        QCOMPARE(QByteArray::fromStdString(PrometheusTextSerializer::formatValue(value)), text);
    }

    void escapesLabelValues_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QByteArray>("escaped");
        QTest::newRow("plain") << QByteArray("app-id") << QByteArray("app-id");
        QTest::newRow("backslash") << QByteArray("a\\b") << QByteArray("a\\\\b");
        QTest::newRow("double quote") << QByteArray("say \"hi\"") << QByteArray("say \\\"hi\\\"");
        QTest::newRow("line feed") << QByteArray("two\nlines") << QByteArray("two\\nlines");
        QTest::newRow("backslash then n") << QByteArray("\\n") << QByteArray("\\\\n");
        QTest::newRow("utf-8 untouched") << QByteArray("caf\xc3\xa9") << QByteArray("caf\xc3\xa9");
    }
    void escapesLabelValues()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, escaped);
        QCOMPARE(QByteArray::fromStdString(PrometheusTextSerializer::escapeLabelValue(raw.toStdString())), escaped);
        MetricsSnapshot snapshot;
        snapshot.families.push_back(gaugeFamily("g", "h", {{raw.toStdString(), 1}}));
        QCOMPARE(PrometheusTextSerializer::serialize(snapshot),
            QByteArray("# HELP g h\n# TYPE g gauge\ng{l=\"" + escaped + "\"} 1\n"));
    }

    void escapesHelp()
    {
        MetricsSnapshot snapshot;
        snapshot.families.push_back(gaugeFamily("g", "back\\slash \"quoted\"\nsecond line", {}));
        QCOMPARE(PrometheusTextSerializer::serialize(snapshot),
            QByteArray("# HELP g back\\\\slash \"quoted\"\\nsecond line\n# TYPE g gauge\n"));
    }

    void layoutIsPromClients()
    {
        MetricsSnapshot snapshot;
        snapshot.families.push_back(gaugeFamily("a", "first", {{"x", 1.5}, {"y", 2}}));
        snapshot.families.push_back({"b_total", "second", prometheus::MetricType::Counter, {}});
        prometheus::ClientMetric unlabelled;
        unlabelled.counter.value = 7;
        snapshot.families.push_back({"c_total", "third", prometheus::MetricType::Counter, {unlabelled}});
        QCOMPARE(PrometheusTextSerializer::serialize(snapshot),
            QByteArray("# HELP a first\n# TYPE a gauge\na{l=\"x\"} 1.5\na{l=\"y\"} 2\n\n"
                       "# HELP b_total second\n# TYPE b_total counter\n\n"
                       "# HELP c_total third\n# TYPE c_total counter\nc_total 7\n"));
    }

    void histogramsHaveBucketsSumAndCount()
    {
        MetricsRegistry registry(MetricsConfig{}, 6001);
        prometheus::Histogram *h = registry.adapterForApp(QStringLiteral("app")).resolveTime;
        for (double v : {0.003, 0.04, 0.04, 0.7, 30.0})
            h->Observe(v);
        const QByteArray text = PrometheusTextSerializer::serialize(registry.collect());
        const QByteArray expected =
            "soketi_horizontal_adapter_resolve_time_bucket{app_id=\"app\",port=\"6001\",le=\"0.005\"} 1\n"
            "soketi_horizontal_adapter_resolve_time_bucket{app_id=\"app\",port=\"6001\",le=\"0.01\"} 1\n"
            "soketi_horizontal_adapter_resolve_time_bucket{app_id=\"app\",port=\"6001\",le=\"0.025\"} 1\n"
            "soketi_horizontal_adapter_resolve_time_bucket{app_id=\"app\",port=\"6001\",le=\"0.05\"} 3\n"
            "soketi_horizontal_adapter_resolve_time_bucket{app_id=\"app\",port=\"6001\",le=\"0.1\"} 3\n"
            "soketi_horizontal_adapter_resolve_time_bucket{app_id=\"app\",port=\"6001\",le=\"0.25\"} 3\n"
            "soketi_horizontal_adapter_resolve_time_bucket{app_id=\"app\",port=\"6001\",le=\"0.5\"} 3\n"
            "soketi_horizontal_adapter_resolve_time_bucket{app_id=\"app\",port=\"6001\",le=\"1\"} 4\n"
            "soketi_horizontal_adapter_resolve_time_bucket{app_id=\"app\",port=\"6001\",le=\"2.5\"} 4\n"
            "soketi_horizontal_adapter_resolve_time_bucket{app_id=\"app\",port=\"6001\",le=\"5\"} 4\n"
            "soketi_horizontal_adapter_resolve_time_bucket{app_id=\"app\",port=\"6001\",le=\"10\"} 4\n"
            "soketi_horizontal_adapter_resolve_time_bucket{app_id=\"app\",port=\"6001\",le=\"+Inf\"} 5\n"
            "soketi_horizontal_adapter_resolve_time_sum{app_id=\"app\",port=\"6001\"} 30.783\n"
            "soketi_horizontal_adapter_resolve_time_count{app_id=\"app\",port=\"6001\"} 5\n";
        QVERIFY2(text.contains(expected), text.constData());
    }

    // The whole exposition under the hostile locales: no decimal comma, no digit grouping anywhere.
    void outputIgnoresTheLocale()
    {
        MetricsRegistry registry(MetricsConfig{}, 6001);
        AppMetrics &app = registry.forApp(QStringLiteral("app"));
        app.socketReceivedBytes->Increment(1234567.5);
        app.connected->Set(-2.5);
        registry.adapterForApp(QStringLiteral("app")).resolveTime->Observe(0.125);
        const QByteArray text = PrometheusTextSerializer::serialize(registry.collect());
        QVERIFY(text.contains("soketi_socket_received_bytes{app_id=\"app\",port=\"6001\"} 1234567.5\n"));
        QVERIFY(text.contains("soketi_connected{app_id=\"app\",port=\"6001\"} -2.5\n"));
        QVERIFY(text.contains("le=\"0.025\"} 0\n"));
        for (const QByteArray &line : text.split('\n')) {
            if (line.startsWith('#') || line.isEmpty())
                continue;
            const QByteArray value = line.mid(line.lastIndexOf(' ') + 1);
            QVERIFY2(!value.contains(','), line.constData());
            QVERIFY2(!line.contains("=\"0,") && !line.contains("=\"2,5"), line.constData());
        }
        // JSON too: QJsonDocument is locale-independent, check it stays so.
        const QByteArray json = PrometheusJsonSerializer::serialize(registry.collect());
        QVERIFY2(json.contains("\"value\":1234567.5"), json.constData());
    }

    // §2.5 rule 4: one snapshot, serialised, every value parsed back equal to the snapshot's.
    void textAgreesWithSnapshot()
    {
        MetricsRegistry registry(MetricsConfig{}, 6001);
        const QStringList apps{QStringLiteral("app-1"), QStringLiteral("app \"two\""), QStringLiteral("3")};
        for (int i = 0; i < apps.size(); ++i) {
            AppMetrics &m = registry.forApp(apps[i]);
            m.connected->Set(i * 3);
            m.newConnections->Increment(i * 7 + 1);
            m.socketReceivedBytes->Increment(0.1 * (i + 1));
            m.socketTransmittedBytes->Increment(1e15 + i);
            m.wsMessagesReceived->Increment(i);
            m.httpCallsReceived->Increment(1.0 / 3.0);
            registry.adapterForApp(apps[i]).resolveTime->Observe(0.02 * i);
        }
        const MetricsSnapshot snapshot = registry.collect();
        const std::map<std::string, double> parsed = parseSamples(PrometheusTextSerializer::serialize(snapshot));

        const auto escaped = [](prometheus::ClientMetric metric) {
            for (auto &label : metric.label)
                label.value = PrometheusTextSerializer::escapeLabelValue(label.value);
            return metric;
        };
        const auto expectValue = [&](const std::string &key, double expected) {
            const auto it = parsed.find(key);
            QVERIFY2(it != parsed.end(), key.c_str());
            QVERIFY2(it->second == expected || (std::isnan(expected) && std::isnan(it->second)), key.c_str());
        };
        size_t expectedSamples = 0;
        for (const auto &family : snapshot.families) {
            for (const auto &original : family.metric) {
                const prometheus::ClientMetric metric = escaped(original);
                auto noBraces = [&](std::string key) { return key == family.name + "{}" ? family.name : key; };
                switch (family.type) {
                case prometheus::MetricType::Counter:
                    expectValue(noBraces(seriesKey(family.name, metric)), metric.counter.value);
                    ++expectedSamples;
                    break;
                case prometheus::MetricType::Gauge:
                    expectValue(noBraces(seriesKey(family.name, metric)), metric.gauge.value);
                    ++expectedSamples;
                    break;
                case prometheus::MetricType::Histogram:
                    for (const auto &bucket : metric.histogram.bucket) {
                        const std::string le = std::isinf(bucket.upper_bound)
                            ? "+Inf"
                            : QByteArray::number(bucket.upper_bound, 'g', 17).toStdString();
                        // le as written is the shortest form; compare via the parsed bound instead.
                        bool found = false;
                        for (const auto &[key, value] : parsed) {
                            const std::string prefix = family.name + "_bucket"
                                + seriesKey("", metric).substr(0, seriesKey("", metric).size() - 1) + ",le=\"";
                            if (key.rfind(prefix, 0) != 0)
                                continue;
                            const std::string bound = key.substr(prefix.size(), key.size() - prefix.size() - 2);
                            const double b = bound == "+Inf" ? std::numeric_limits<double>::infinity()
                                                             : QByteArray::fromStdString(bound).toDouble();
                            if (b == bucket.upper_bound) {
                                QCOMPARE(value, double(bucket.cumulative_count));
                                found = true;
                            }
                        }
                        QVERIFY2(found, le.c_str());
                        ++expectedSamples;
                    }
                    expectValue(seriesKey(family.name + "_sum", metric), metric.histogram.sample_sum);
                    expectValue(seriesKey(family.name + "_count", metric), double(metric.histogram.sample_count));
                    expectedSamples += 2;
                    break;
                default:
                    QFAIL("unexpected family type");
                }
            }
        }
        QCOMPARE(parsed.size(), expectedSamples);
        QVERIFY(expectedSamples > 40);
    }

    // Why we do not use prometheus::TextSerializer (1.0.1), pinned so a fixed future version is noticed:
    // numbers are locale-proof there too, but a HELP newline is written raw, NaN is spelled "Nan" and
    // values get 16 significant digits (no round trip).
    void prometheusCppSerializerFallsShort()
    {
        MetricsSnapshot snapshot;
        snapshot.families.push_back(gaugeFamily("g", "line\nbreak", {{"a", 1234567.5}, {"b", std::nan("")}}));
        snapshot.families.push_back(gaugeFamily("p", "precision", {{"c", 0.1 + 0.2}}));
        const std::string theirs = prometheus::TextSerializer().Serialize(snapshot.families);
        QVERIFY(theirs.find("1234567.5") != std::string::npos); // locale-safe numbers
        QVERIFY(theirs.find("# HELP g line\nbreak") != std::string::npos);
        QVERIFY(theirs.find(" Nan\n") != std::string::npos);
        QVERIFY(theirs.find("p{l=\"c\"} 0.3\n") != std::string::npos); // 0.30000000000000004 lost

        const QByteArray ours = PrometheusTextSerializer::serialize(snapshot);
        QVERIFY(ours.contains("# HELP g line\\nbreak\n"));
        QVERIFY(ours.contains("g{l=\"b\"} NaN\n"));
        QVERIFY(ours.contains("p{l=\"c\"} 0.30000000000000004\n"));
    }

private:
    bool m_cLocale = false;
};

QTEST_APPLESS_MAIN(TestPrometheusTextSerializer)
#include "tst_prometheustextserializer.moc"
