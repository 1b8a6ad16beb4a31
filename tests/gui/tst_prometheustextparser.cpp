// SPDX-License-Identifier: GPL-3.0-or-later
// PrometheusTextParser and RemoteMetricsSource: our own /metrics text, soketi's port-in-name style,
// histograms and escapes round-trip; a live scrape of a real node feeds MetricsHistory.
#include <algorithm>
#include <cmath>

#include <QFile>
#include <QSignalSpy>
#include <QTest>

#include "CountersTableModel.h"
#include "GuiTestSupport.h"
#include "MetricsHistory.h"
#include "PrometheusTextParser.h"
#include "RemoteMetricsSource.h"
#include "metrics/MetricsRegistry.h"
#include "metrics/PrometheusTextSerializer.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

using namespace qsoketi;

class TestPrometheusTextParser final : public QObject
{
    Q_OBJECT

private slots:
    void roundTripsTheRegistry_data()
    {
        QTest::addColumn<bool>("portInName");
        QTest::newRow("soketi_connected{app_id,port}") << false;
        QTest::newRow("soketi_6001_connected") << true;
    }
    void roundTripsTheRegistry()
    {
        QFETCH(bool, portInName);
        MetricsConfig config;
        config.portInName = portInName;
        MetricsRegistry registry(config, 6001);
        AppMetrics &app = registry.forApp(QStringLiteral("app-id"));
        app.wsMessagesReceived->Increment(42);
        app.connected->Set(3);
        registry.adapterForApp(QStringLiteral("app-id")).resolveTime->Observe(0.02);
        const QByteArray text = PrometheusTextSerializer::serialize(registry.collect());

        const auto parsed = PrometheusTextParser::parse(text, 1234);
        QVERIFY2(parsed.errors.isEmpty(), qPrintable(parsed.errors.join(QLatin1Char('\n'))));
        QCOMPARE(parsed.snapshot.takenAtMs, 1234);
        // Serialising what we parsed gives the same text: every family, HELP, TYPE, label and value.
        QCOMPARE(PrometheusTextSerializer::serialize(parsed.snapshot), text);

        MetricsHistory history;
        history.addSnapshot(parsed.snapshot);
        QCOMPARE(*history.latest(QStringLiteral("app-id"), MetricsHistory::Connected), 3.0);
    }

    void escapesSpecialValuesAndErrors()
    {
        const QByteArray text = "# HELP x_total A \\\\ help\\nline\n"
                                "# TYPE x_total counter\n"
                                "x_total{path=\"a\\\"b\\\\c\\nd\",z=\"\"} 1.5e3 1700000000000\n"
                                "# TYPE g gauge\n"
                                "g +Inf\n"
                                "g{a=\"1\"} NaN\n"
                                "untyped_thing 7\n"
                                "broken{a=\"1\" 3\n"
                                "bad_value abc\n";
        const auto parsed = PrometheusTextParser::parse(text);
        QCOMPARE(parsed.errors.size(), 2);
        const auto &families = parsed.snapshot.families;
        QCOMPARE(families.size(), size_t(3));
        QCOMPARE(families[0].help, std::string("A \\ help\nline"));
        QCOMPARE(families[0].metric[0].label[0].value, std::string("a\"b\\c\nd"));
        QCOMPARE(families[0].metric[0].counter.value, 1500.0);
        QVERIFY(std::isinf(families[1].metric[0].gauge.value));
        QVERIFY(std::isnan(families[1].metric[1].gauge.value));
        QCOMPARE(families[2].type, prometheus::MetricType::Untyped);
        QCOMPARE(families[2].metric[0].untyped.value, 7.0);
    }

    void refusesCountsOutsideUnsigned64_data()
    {
        // Bucket and sample counts are unsigned 64-bit: converting these doubles was undefined behaviour
        // (found by fuzzing; UBSan: "outside the range of representable values").
        QTest::addColumn<QByteArray>("sample");
        QTest::newRow("negative bucket") << QByteArray("h_bucket{le=\"1\"} -1");
        QTest::newRow("NaN bucket") << QByteArray("h_bucket{le=\"1\"} NaN");
        QTest::newRow("infinite histogram count") << QByteArray("h_count +Inf");
        QTest::newRow("negative histogram count") << QByteArray("h_count -2");
        QTest::newRow("2^64 histogram count") << QByteArray("h_count 18446744073709551616");
        QTest::newRow("-Inf summary count") << QByteArray("s_count -Inf");
        QTest::newRow("1e30 summary count") << QByteArray("s_count 1e30");
    }
    void refusesCountsOutsideUnsigned64()
    {
        QFETCH(QByteArray, sample);
        const QByteArray text = "# TYPE h histogram\n# TYPE s summary\n" + sample + "\nh_sum 2\ns_sum 3\n";
        const auto parsed = PrometheusTextParser::parse(text, 1);
        QCOMPARE(parsed.errors, QStringList{QStringLiteral("line 3: a count must be a number from 0 to 2^64")});
        // The refused line leaves no trace; the next lines of the same series are still read.
        const auto &families = parsed.snapshot.families;
        QCOMPARE(families.size(), size_t(2));
        QCOMPARE(families[0].metric.size(), size_t(1));
        QVERIFY(families[0].metric[0].histogram.bucket.empty());
        QCOMPARE(families[0].metric[0].histogram.sample_count, std::uint64_t(0));
        QCOMPARE(families[0].metric[0].histogram.sample_sum, 2.0);
        QCOMPARE(families[1].metric[0].summary.sample_count, std::uint64_t(0));
        QCOMPARE(families[1].metric[0].summary.sample_sum, 3.0);
    }

    void acceptsTheLargestCounts()
    {
        const auto parsed = PrometheusTextParser::parse("# TYPE h histogram\nh_bucket{le=\"1\"} 0\n"
                                                        "h_bucket{le=\"2\"} 1.8446744073709550e19\nh_count 7.9\n",
            1);
        QVERIFY2(parsed.errors.isEmpty(), qPrintable(parsed.errors.join(QLatin1Char('\n'))));
        const auto &histogram = parsed.snapshot.families[0].metric[0].histogram;
        QCOMPARE(histogram.bucket.size(), size_t(2));
        QCOMPARE(histogram.bucket[0].cumulative_count, std::uint64_t(0));
        QCOMPARE(histogram.bucket[1].cumulative_count, std::uint64_t(18446744073709549568ULL));
        QCOMPARE(histogram.sample_count, std::uint64_t(7)); // a fraction is truncated, as before
    }

    void refusesHelpAndTypeWithoutAMetricName_data()
    {
        // Found by fuzzing: such a family was created, and serialised it read back as another name.
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QString>("error");
        QTest::newRow("form feed in the name")
            << QByteArray("# TYPE rp\f summary") << "line 1: metric name expected after TYPE";
        QTest::newRow("tab before the type")
            << QByteArray("# TYPE rpc\tsummary") << "line 1: metric name expected after TYPE";
        QTest::newRow("labels") << QByteArray("# HELP rpc{a=\"b\"} Calls.")
                                << "line 1: metric name expected after HELP";
        QTest::newRow("starts with a digit")
            << QByteArray("# HELP 9lives Cats.") << "line 1: metric name expected after HELP";
    }
    void refusesHelpAndTypeWithoutAMetricName()
    {
        QFETCH(QByteArray, line);
        QFETCH(QString, error);
        const auto parsed = PrometheusTextParser::parse(line + "\nrpc_count 3\n", 1);
        QCOMPARE(parsed.errors, QStringList{error});
        QCOMPARE(parsed.snapshot.families.size(), size_t(1));
        QCOMPARE(parsed.snapshot.families[0].name, std::string("rpc_count"));
    }

    void parsesSoketiItself()
    {
        // Captured from soketi 1.6.1's :9601/metrics (two clients, one gone) on loopback.
        QFile file(QFINDTESTDATA("data/soketi-1.6.1-metrics.txt"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        const auto parsed = PrometheusTextParser::parse(text, 1000);
        QVERIFY2(parsed.errors.isEmpty(), qPrintable(parsed.errors.join(QLatin1Char('\n'))));
        QCOMPARE(qsizetype(parsed.snapshot.families.size()), text.count("# TYPE "));

        MetricsHistory history;
        history.addSnapshot(parsed.snapshot);
        QCOMPARE(*history.latest(QStringLiteral("app-id"), MetricsHistory::Connected), 1.0);
        // The counters table shows soketi's own sample lines, number for number.
        QStringList expected;
        for (const QByteArray &line : text.split('\n'))
            if (!line.isEmpty() && !line.startsWith('#'))
                expected.append(QString::fromUtf8(line));
        QStringList shown;
        for (const auto &row : CountersTableModel::rowsOf(parsed.snapshot))
            shown.append(CountersTableModel::sampleLine(row));
        QCOMPARE(shown, expected);

        // A second scrape 2 s later with two more connections: a rate, as the charts plot it.
        QByteArray later = text;
        later.replace("soketi_new_connections_total{app_id=\"app-id\",port=\"6001\"} 2",
            "soketi_new_connections_total{app_id=\"app-id\",port=\"6001\"} 4");
        history.addSnapshot(PrometheusTextParser::parse(later, 3000).snapshot);
        QCOMPARE(*history.latest(QStringLiteral("app-id"), MetricsHistory::NewConnections), 1.0);
    }

    void normalizesUrls()
    {
        QCOMPARE(RemoteMetricsSource::normalizedUrl(QStringLiteral("10.0.0.5:9601")).toString(),
            QStringLiteral("http://10.0.0.5:9601/metrics"));
        QCOMPARE(RemoteMetricsSource::normalizedUrl(QStringLiteral("http://h:1/custom")).toString(),
            QStringLiteral("http://h:1/custom"));
        QVERIFY(!RemoteMetricsSource::normalizedUrl(QStringLiteral("http://")).isValid());
    }

    void scrapesALiveNode()
    {
        // A second node in soketi's old port-in-name style, scraped over HTTP like a remote machine.
        auto core = test::startCore(true, true);
        test::Client client(core->port());
        QTRY_VERIFY(client.established());
        client.subscribe(QStringLiteral("news"));
        QTRY_VERIFY(client.has(QStringLiteral("pusher_internal:subscription_succeeded")));

        RemoteMetricsSource source;
        QSignalSpy spy(&source, &RemoteMetricsSource::snapshotTaken);
        source.start(RemoteMetricsSource::normalizedUrl(QStringLiteral("127.0.0.1:%1").arg(core->metricsPort())), 200);
        QTRY_VERIFY(spy.size() >= 2);
        source.stop();
        MetricsHistory history;
        for (const auto &args : spy)
            history.addSnapshot(args.at(0).value<MetricsSnapshot>());
        QCOMPARE(*history.latest(QStringLiteral("app-id"), MetricsHistory::Connected), 1.0);
        QVERIFY(history.latest(QStringLiteral("app-id"), MetricsHistory::WsMessagesIn).has_value());
        const auto &first = spy.first().at(0).value<MetricsSnapshot>();
        QVERIFY(std::any_of(first.families.begin(), first.families.end(), [&](const prometheus::MetricFamily &f) {
            return f.name == "soketi_" + std::to_string(core->metrics().serverPort()) + "_connected";
        }));
    }

    void reportsAFailedScrape()
    {
        auto core = test::startCore(false); // /metrics disabled: the port answers, but not with metrics
        RemoteMetricsSource source;
        QSignalSpy failed(&source, &RemoteMetricsSource::scrapeFailed);
        source.start(RemoteMetricsSource::normalizedUrl(QStringLiteral("127.0.0.1:%1").arg(core->metricsPort())), 200);
        QTRY_VERIFY(!failed.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestPrometheusTextParser)
#include "tst_prometheustextparser.moc"
