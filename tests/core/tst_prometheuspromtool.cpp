// SPDX-License-Identifier: GPL-3.0-or-later
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>

#include "metrics/MetricsRegistry.h"
#include "metrics/PrometheusTextSerializer.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

using namespace qsoketi;

namespace {

struct PromtoolResult
{
    int exitCode = -1;
    QByteArray output;
};

PromtoolResult promtoolCheck(const QString &promtool, const QByteArray &exposition)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(promtool, {QStringLiteral("check"), QStringLiteral("metrics")});
    if (!process.waitForStarted(10000))
        qFatal("promtool did not start");
    process.write(exposition);
    process.closeWriteChannel();
    if (!process.waitForFinished(60000))
        qFatal("promtool did not finish");
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAll()};
}

// soketi's names that break the "_total" convention; kept for dashboard compatibility (STYLE §2.5).
const QStringList legacyCounterNames{
    QStringLiteral("socket_received_bytes"),
    QStringLiteral("socket_transmitted_bytes"),
    QStringLiteral("http_received_bytes"),
    QStringLiteral("http_transmitted_bytes"),
    QStringLiteral("horizontal_adapter_resolved_promises"),
    QStringLiteral("horizontal_adapter_uncomplete_promises"),
    QStringLiteral("horizontal_adapter_sent_requests"),
    QStringLiteral("horizontal_adapter_received_requests"),
    QStringLiteral("horizontal_adapter_received_responses"),
};

} // namespace

class TestPrometheusPromtool final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        m_promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
        if (m_promtool.isEmpty())
            QSKIP("promtool not installed (Debian package prometheus)");
    }

    // The check must be able to fail: a broken exposition is rejected as a parse error.
    void promtoolRejectsABrokenExposition()
    {
        const PromtoolResult result = promtoolCheck(m_promtool, "# TYPE a gauge\na{l=\"unterminated} 1\n");
        QCOMPARE(result.exitCode, 1);
    }

    // Real serializer output after traffic on several apps, in both naming styles: promtool parses it and
    // reports nothing but the "_total" suffix of soketi's legacy counter names.
    void realOutputPassesPromtool_data()
    {
        QTest::addColumn<bool>("portInName");
        QTest::newRow("soketi 1.6 naming") << false;
        QTest::newRow("port in name") << true;
    }
    void realOutputPassesPromtool()
    {
        QFETCH(bool, portInName);
        MetricsConfig config;
        config.portInName = portInName;
        MetricsRegistry registry(config, 6001);
        const QStringList apps{QStringLiteral("app-1"), QStringLiteral("we\"ird\\app\nid"), QStringLiteral("éà")};
        for (int i = 0; i < apps.size(); ++i) {
            AppMetrics &m = registry.forApp(apps[i]);
            m.connected->Increment(i + 1);
            m.newConnections->Increment(i + 1);
            m.newDisconnections->Increment(i);
            m.socketReceivedBytes->Increment(123.5 * i);
            m.socketTransmittedBytes->Increment(1e12);
            m.wsMessagesReceived->Increment(7);
            m.wsMessagesSent->Increment(11);
            m.httpReceivedBytes->Increment(2);
            m.httpTransmittedBytes->Increment(0.1 + 0.2);
            m.httpCallsReceived->Increment();
            HorizontalAdapterMetrics &h = registry.adapterForApp(apps[i]);
            h.resolveTime->Observe(0.01 * i);
            h.resolveTime->Observe(42);
            h.resolvedPromises->Increment();
            h.uncompletePromises->Increment();
            h.sentRequests->Increment(2);
            h.receivedRequests->Increment(3);
            h.receivedResponses->Increment(4);
        }
        const QByteArray text = PrometheusTextSerializer::serialize(registry.collect());
        const PromtoolResult result = promtoolCheck(m_promtool, text);
        QVERIFY2(result.exitCode == 0 || result.exitCode == 3, result.output.constData());

        const QString prefix = portInName ? QStringLiteral("soketi_6001_") : QStringLiteral("soketi_");
        QStringList expected;
        for (const QString &name : legacyCounterNames)
            expected << prefix + name + QStringLiteral(" counter metrics should have \"_total\" suffix");
        QStringList problems = QString::fromUtf8(result.output).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        problems.sort();
        expected.sort();
        QCOMPARE(problems, expected);
    }

private:
    QString m_promtool;
};

QTEST_APPLESS_MAIN(TestPrometheusPromtool)
#include "tst_prometheuspromtool.moc"
