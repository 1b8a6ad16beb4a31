// SPDX-License-Identifier: GPL-3.0-or-later
// The dashboard's Apps tab reading a real SQLite app store (and the read-only array driver): what it lists,
// secrets hidden until asked, the store's errors in the tab, and a server whose clients feel the tab's
// changes. Screenshots for a look: <build>/tests/artifacts/apps-*.png. Writes: tst_appstabwrites.
#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>

#include "AppDetailsPanel.h"
#include "AppsTabTestSupport.h"
#include "AppsTableModel.h"
#include "AppsWidget.h"
#include "DashboardWindow.h"
#include "GuiTestSupport.h"
#include "LoopbackConfig.h"

using namespace qsoketi;
using namespace qsoketi::test;

namespace {

// Every text the widget shows on screen.
QStringList visibleTexts(const QWidget &root)
{
    QStringList texts;
    for (const QLineEdit *edit : root.findChildren<QLineEdit *>())
        texts << edit->text();
    for (const QPlainTextEdit *edit : root.findChildren<QPlainTextEdit *>())
        texts << edit->toPlainText();
    for (const QLabel *label : root.findChildren<QLabel *>())
        texts << label->text();
    if (const auto *view = root.findChild<QTableView *>()) {
        const QAbstractItemModel *model = view->model();
        for (int row = 0; row < model->rowCount(); ++row)
            for (int column = 0; column < model->columnCount(); ++column)
                texts << model->index(row, column).data().toString();
    }
    return texts;
}

} // namespace

class TestAppsTab final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void init() { m_store.setUp(); }
    void cleanup() { m_store.tearDown(); }

    void listsAppsOfTheStoreAndFollowsChanges()
    {
        AppsWidget widget(*m_store.directory);
        widget.resize(1400, 800);
        widget.show();
        QVERIFY(QTest::qWaitForWindowExposed(&widget));
        QTRY_COMPARE(widget.model()->rowCount(), 2);
        const AppsTableModel &model = *widget.model();
        const int shop = model.rowOf(QStringLiteral("shop"));
        QVERIFY(shop >= 0);
        QCOMPARE(model.index(shop, AppsTableModel::KeyColumn).data().toString(), QStringLiteral("shop-key"));
        QCOMPARE(model.index(shop, AppsTableModel::ClientEventsColumn).data().toString(), QStringLiteral("yes"));
        QCOMPARE(model.index(shop, AppsTableModel::MaxConnectionsColumn).data().toString(), QStringLiteral("50"));
        QCOMPARE(model.index(shop, AppsTableModel::WebhooksColumn).data().toInt(), 1);
        QCOMPARE(
            model.index(model.rowOf(QStringLiteral("blog")), AppsTableModel::MaxConnectionsColumn).data().toString(),
            QStringLiteral("unlimited"));

        // Every field in the details, each with its copy button.
        widget.selectApp(QStringLiteral("shop"));
        AppDetailsPanel *details = widget.details();
        QCOMPARE(details->shownText(QStringLiteral("key")), QStringLiteral("shop-key"));
        QCOMPARE(details->shownText(QStringLiteral("enableClientMessages")), QStringLiteral("yes"));
        QCOMPARE(details->shownText(QStringLiteral("enableUserAuthentication")), QStringLiteral("no"));
        QCOMPARE(details->shownText(QStringLiteral("maxPresenceMembersPerChannel")), QStringLiteral("100"));
        for (const char *field : {"id", "key", "secret", "maxConnections", "webhooks", "enableSubscriptionCount"})
            QVERIFY2(details->copyButton(QLatin1String(field)), field);
        QTest::mouseClick(details->copyButton(QStringLiteral("key")), Qt::LeftButton);
        QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("shop-key"));
        QTest::mouseClick(details->copySnippetButton(), Qt::LeftButton);
        QVERIFY(QApplication::clipboard()->text().contains(QStringLiteral("new Pusher('shop-key'")));
        saveShot(widget, QStringLiteral("apps-tab-sqlite.png"));

        // Written behind the tab's back through the directory: appChanged / appRemoved update the list.
        QVERIFY(await([&](auto done) {
            m_store.directory->add({{QStringLiteral("id"), QStringLiteral("third")}}, done);
        }).ok());
        QTRY_COMPARE(widget.model()->rowCount(), 3);
        QVERIFY(await([&](auto done) { m_store.directory->remove(QStringLiteral("blog"), done); }).ok());
        QTRY_COMPARE(widget.model()->rowCount(), 2);
        QCOMPARE(widget.model()->rowOf(QStringLiteral("blog")), -1);
        QCOMPARE(widget.selectedId(), QStringLiteral("shop")); // the selection survives
    }

    void secretsHiddenUntilShown()
    {
        AppsWidget widget(*m_store.directory);
        widget.resize(1400, 800);
        widget.show();
        QTRY_COMPARE(widget.model()->rowCount(), 2);
        widget.selectApp(QStringLiteral("shop"));
        for (const QString &text : visibleTexts(widget)) {
            QVERIFY2(!text.contains(kSecret), qPrintable(text));
            QVERIFY2(!text.contains(kHookToken), qPrintable(text));
        }
        QVERIFY(widget.details()->shownText(QStringLiteral("webhooks")).contains(QStringLiteral("hooks.example.com")));
        // Copy gives the real secret without showing it.
        QTest::mouseClick(widget.details()->copyButton(QStringLiteral("secret")), Qt::LeftButton);
        QCOMPARE(QApplication::clipboard()->text(), kSecret);
        QTest::mouseClick(widget.details()->copyButton(QStringLiteral("webhooks")), Qt::LeftButton);
        QVERIFY(QApplication::clipboard()->text().contains(kHookToken));
        QVERIFY(!widget.details()->copyButton(QStringLiteral("previousSecret"))->isEnabled()); // none yet
        QTest::mouseClick(widget.details()->copyEnvButton(), Qt::LeftButton);
        QVERIFY(QApplication::clipboard()->text().contains(QStringLiteral("PUSHER_APP_SECRET=") + kSecret));
        QVERIFY(!widget.statusLabel()->text().contains(kSecret));

        QTest::mouseClick(widget.details()->showButton(), Qt::LeftButton);
        QCOMPARE(widget.details()->shownText(QStringLiteral("secret")), kSecret);
        QVERIFY(widget.details()->shownText(QStringLiteral("webhooks")).contains(kHookToken));
        saveShot(widget, QStringLiteral("apps-tab-secrets-shown.png"));
        QTest::mouseClick(widget.details()->showButton(), Qt::LeftButton);
        QVERIFY(!widget.details()->shownText(QStringLiteral("secret")).contains(kSecret));
    }

    void storeErrorsShowInTheTab()
    {
        AppsWidget widget(*m_store.directory);
        widget.show();
        QTRY_COMPARE(widget.model()->rowCount(), 2);
        widget.resize(1000, 650); // a small window
        widget.selectApp(QStringLiteral("blog"));
        QSignalSpy finished(&widget, &AppsWidget::operationFinished);
        widget.addApp({{QStringLiteral("id"), QStringLiteral("shop")}}); // taken
        QTRY_COMPARE(widget.pendingOperations(), 0);
        QCOMPARE(finished.last().at(0).toBool(), false);
        QVERIFY(!widget.statusLabel()->text().isEmpty());
        QVERIFY(widget.statusLabel()->styleSheet().contains(QStringLiteral("#c62828")));
        QCOMPARE(widget.model()->rowCount(), 2);
        saveShot(widget, QStringLiteral("apps-tab-error.png"));
    }

    void arrayDriverIsReadOnlyWithTheReason()
    {
        AppStoreConfig config; // array driver
        App other;
        other.id = QStringLiteral("second");
        other.key = QStringLiteral("second-key");
        other.secret = kSecret;
        config.arrayApps << other;
        AppDirectory directory(config);
        AppsWidget widget(directory);
        widget.resize(1400, 800);
        widget.show();
        QVERIFY(QTest::qWaitForWindowExposed(&widget));
        QTRY_COMPARE(widget.model()->rowCount(), 2);
        QVERIFY(widget.readOnlyLabel()->isVisible());
        const QString text = widget.readOnlyLabel()->text();
        QVERIFY2(text.contains(QStringLiteral("read-only")) && text.contains(QStringLiteral("SOKETI_DEFAULT_APP_"))
                && text.contains(QStringLiteral("SOKETI_APP_MANAGER_DRIVER=sqlite")),
            qPrintable(text));
        for (QPushButton *button : {widget.addButton(), widget.editButton(), widget.rotateButton(),
                 widget.enableButton(), widget.removeButton()})
            QVERIFY(!button->isVisible());
        QVERIFY(widget.refreshButton()->isVisible());
        widget.selectApp(QStringLiteral("second"));
        QCOMPARE(widget.details()->shownText(QStringLiteral("key")), QStringLiteral("second-key"));
        QVERIFY(!widget.details()->shownText(QStringLiteral("secret")).contains(kSecret));
        saveShot(widget, QStringLiteral("apps-tab-array.png"));
    }

    // The window of a server on a SQLite store: an app added in the tab serves a client at once, and
    // Disable in the tab closes that client's connection (4003).
    void dashboardTabChangesReachTheServer()
    {
        ServerConfig config = qsoketi::test::loopbackConfig();
        config.appStore.driver = AppStoreConfig::Driver::Sqlite;
        config.appStore.sqlitePath = m_store.dir->filePath(QStringLiteral("server.sqlite"));
        ServerCore core(config);
        QString error;
        QVERIFY2(core.start(&error), qPrintable(error));
        DashboardWindow window(core);
        window.resize(1280, 820);
        window.showTab(QStringLiteral("Apps"));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        AppsWidget *apps = window.appsWidget();
        QVERIFY(apps->addButton()->isVisible());
        apps->addApp({{QStringLiteral("id"), QStringLiteral("live")},
            {QStringLiteral("key"), QStringLiteral("live-key")}, {QStringLiteral("enableClientMessages"), true}});
        QTRY_COMPARE(apps->pendingOperations(), 0);
        QCOMPARE(apps->model()->rowCount(), 1);

        test::Client client(core.port(), QStringLiteral("live-key"));
        QTRY_VERIFY(client.established());
        QTest::mouseClick(apps->details()->copySnippetButton(), Qt::LeftButton);
        QVERIFY(QApplication::clipboard()->text().contains(QStringLiteral("wsPort: %1").arg(core.port())));
        saveShot(window, QStringLiteral("apps-dashboard.png"));

        QCOMPARE(apps->selectedId(), QStringLiteral("live"));
        QTest::mouseClick(apps->enableButton(), Qt::LeftButton);
        QTRY_COMPARE(apps->pendingOperations(), 0);
        QTRY_COMPARE(client.socket.state(), QAbstractSocket::UnconnectedState);
        QCOMPARE(int(client.socket.closeCode()), 4003);
        test::Client refused(core.port(), QStringLiteral("live-key"));
        QTRY_COMPARE(refused.socket.state(), QAbstractSocket::UnconnectedState);
        QVERIFY(!refused.established());
    }

private:
    SqliteAppStore m_store;
};

QTEST_MAIN(TestAppsTab)
#include "tst_appstab.moc"
