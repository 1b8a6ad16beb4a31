// SPDX-License-Identifier: GPL-3.0-or-later
// A real Prometheus server (Debian's /usr/bin/prometheus) scrapes an in-process MetricsEndpoint: our
// Content-Type is accepted, the exposition parses, and the numbers arrive unchanged.
#include <memory>
#include <optional>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

#include "metrics/MetricsRegistry.h"
#include "rest/MetricsEndpoint.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

using namespace qsoketi;

class TestPrometheusScrape final : public QObject
{
    Q_OBJECT

private:
    QByteArray get(const QString &pathAndQuery, int *status = nullptr)
    {
        QNetworkReply *reply = m_network.get(
            QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_prometheusPort).arg(pathAndQuery))));
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            finished.wait(5000);
        if (status)
            *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->readAll();
        reply->deleteLater();
        return body;
    }

    // The single value of an instant query, if the result has exactly one series.
    std::optional<double> query(const QString &promql)
    {
        QUrlQuery q;
        q.addQueryItem(QStringLiteral("query"), promql);
        const QJsonObject answer =
            QJsonDocument::fromJson(get(QStringLiteral("/api/v1/query?") + q.toString(QUrl::FullyEncoded))).object();
        const QJsonArray result = answer[QStringLiteral("data")][QStringLiteral("result")].toArray();
        if (result.size() != 1)
            return std::nullopt;
        return result[0][QStringLiteral("value")][1].toString().toDouble();
    }

    QNetworkAccessManager m_network;
    quint16 m_prometheusPort = 0;

private slots:
    void prometheusScrapesExactValues()
    {
        const QString prometheusBinary = QStandardPaths::findExecutable(QStringLiteral("prometheus"));
        if (prometheusBinary.isEmpty())
            QSKIP("prometheus not installed (Debian package prometheus)");

        ServerConfig config;
        config.metrics.enabled = true;
        config.metrics.host = QStringLiteral("127.0.0.1");
        config.metrics.port = 0;
        MetricsRegistry registry(config.metrics, config.port);
        MetricsEndpoint endpoint(config, registry, [] { return false; });
        QString error;
        QVERIFY2(endpoint.listen(&error), qPrintable(error));

        AppMetrics &app = registry.forApp(QStringLiteral("app-id"));
        app.connected->Increment(3);
        app.wsMessagesReceived->Increment(17);

        {
            QTcpServer probe; // a free port for Prometheus' web listener
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            m_prometheusPort = probe.serverPort();
        }
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile yml(dir.filePath(QStringLiteral("prometheus.yml")));
        QVERIFY(yml.open(QIODevice::WriteOnly));
        yml.write(QStringLiteral("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                 "scrape_configs:\n  - job_name: qsoketi\n    static_configs:\n"
                                 "      - targets: ['127.0.0.1:%1']\n")
                      .arg(endpoint.port())
                      .toUtf8());
        yml.close();

        QProcess prometheus;
        prometheus.setProcessChannelMode(QProcess::MergedChannels);
        prometheus.start(prometheusBinary,
            {QStringLiteral("--config.file=") + yml.fileName(),
                QStringLiteral("--storage.tsdb.path=") + dir.filePath(QStringLiteral("data")),
                QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(m_prometheusPort),
                QStringLiteral("--log.level=warn")});
        QVERIFY(prometheus.waitForStarted(10000));
        const auto stop = qScopeGuard([&] {
            prometheus.terminate();
            if (!prometheus.waitForFinished(10000))
                prometheus.kill();
        });

        int status = 0;
        QTRY_VERIFY_WITH_TIMEOUT((get(QStringLiteral("/-/ready"), &status), status == 200), 30000);

        QTRY_COMPARE_WITH_TIMEOUT(query(QStringLiteral("up{job=\"qsoketi\"}")), std::optional<double>(1), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(query(QStringLiteral("soketi_connected{app_id=\"app-id\",port=\"6001\"}")),
            std::optional<double>(3), 20000);
        QCOMPARE(
            query(QStringLiteral("soketi_ws_messages_received_total{app_id=\"app-id\"}")), std::optional<double>(17));
        QVERIFY(query(QStringLiteral("soketi_process_resident_memory_bytes{port=\"6001\"}")).value_or(0) > 1e6);

        // Live: a later increment reaches Prometheus on a later scrape, exactly.
        for (int i = 0; i < 1000; ++i)
            app.wsMessagesReceived->Increment();
        QTRY_COMPARE_WITH_TIMEOUT(query(QStringLiteral("soketi_ws_messages_received_total{app_id=\"app-id\"}")),
            std::optional<double>(1017), 20000);

        // The scrape target reports no error (e.g. no content-type complaint).
        const QJsonArray targets = QJsonDocument::fromJson(get(QStringLiteral("/api/v1/targets")))
                                       .object()[QStringLiteral("data")][QStringLiteral("activeTargets")]
                                       .toArray();
        QCOMPARE(targets.size(), 1);
        QCOMPARE(targets[0][QStringLiteral("health")].toString(), QStringLiteral("up"));
        QCOMPARE(targets[0][QStringLiteral("lastError")].toString(), QString());
    }
};

QTEST_GUILESS_MAIN(TestPrometheusScrape)
#include "tst_prometheusscrape.moc"
