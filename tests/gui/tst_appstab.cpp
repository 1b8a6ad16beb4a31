// SPDX-License-Identifier: GPL-3.0-or-later
// The dashboard's Apps tab against a real SQLite app store in a temporary directory (and the read-only
// array driver): what the tab lists, what its buttons write (checked through AppDirectory), secrets
// hidden until asked. Screenshots for a look: <build>/tests/artifacts/apps-*.png.
#include <functional>
#include <memory>
#include <optional>

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDateTime>
#include <QDir>
#include <QInputDialog>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include "AppDetailsPanel.h"
#include "AppEditDialog.h"
#include "AppsTableModel.h"
#include "AppsWidget.h"
#include "DashboardWindow.h"
#include "GuiTestSupport.h"
#include "apps/AppDirectory.h"

using namespace qsoketi;

namespace {

const QString kSecret = QStringLiteral("s3cret-value-42");
const QString kHookToken = QStringLiteral("t0ken-in-url");

// Runs one store operation and waits for its answer.
AppStoreReply await(const std::function<void(AppDirectory::ReplyCallback)> &operation)
{
    std::optional<AppStoreReply> reply;
    operation([&reply](const AppStoreReply &r) { reply = r; });
    if (!QTest::qWaitFor([&reply] { return reply.has_value(); }, 20000))
        return AppStoreReply::failure(QStringLiteral("no answer within 20 s"));
    return *reply;
}

AppPtr stored(AppDirectory &directory, const QString &id)
{
    return await([&](auto done) { directory.get(id, done); }).first();
}

AppPtr findByKey(AppDirectory &directory, const QString &key)
{
    std::optional<AppPtr> found;
    directory.findByKey(key, [&found](AppPtr app) { found = std::move(app); });
    return QTest::qWaitFor([&found] { return found.has_value(); }, 20000) ? *found : nullptr;
}

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

void saveShot(QWidget &widget, const QString &name)
{
    const QString dir = QCoreApplication::applicationDirPath() + QStringLiteral("/artifacts");
    QDir().mkpath(dir);
    QVERIFY(widget.grab().save(dir + QLatin1Char('/') + name));
}

} // namespace

class TestAppsTab final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        AppStoreConfig config;
        config.driver = AppStoreConfig::Driver::Sqlite;
        config.sqlitePath = m_dir->filePath(QStringLiteral("apps.sqlite"));
        m_directory = std::make_unique<AppDirectory>(config);
        const QJsonArray hooks{QJsonObject{
            {QStringLiteral("url"), QStringLiteral("https://hooks:%1@hooks.example.com/pusher").arg(kHookToken)},
            {QStringLiteral("event_types"), QJsonArray{QStringLiteral("channel_occupied")}}}};
        const AppStoreReply first = await([&](auto done) {
            m_directory->add(
                {{QStringLiteral("id"), QStringLiteral("shop")}, {QStringLiteral("key"), QStringLiteral("shop-key")},
                    {QStringLiteral("secret"), kSecret}, {QStringLiteral("enableClientMessages"), true},
                    {QStringLiteral("maxConnections"), 50}, {QStringLiteral("webhooks"), hooks}},
                done);
        });
        QVERIFY2(first.ok(), qPrintable(first.error));
        const AppStoreReply second = await([&](auto done) {
            m_directory->add(
                {{QStringLiteral("id"), QStringLiteral("blog")}, {QStringLiteral("key"), QStringLiteral("blog-key")}},
                done);
        });
        QVERIFY2(second.ok(), qPrintable(second.error));
    }

    void cleanup()
    {
        m_directory.reset();
        m_dir.reset();
    }

    void listsAppsOfTheStoreAndFollowsChanges()
    {
        AppsWidget widget(*m_directory);
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
            m_directory->add({{QStringLiteral("id"), QStringLiteral("third")}}, done);
        }).ok());
        QTRY_COMPARE(widget.model()->rowCount(), 3);
        QVERIFY(await([&](auto done) { m_directory->remove(QStringLiteral("blog"), done); }).ok());
        QTRY_COMPARE(widget.model()->rowCount(), 2);
        QCOMPARE(widget.model()->rowOf(QStringLiteral("blog")), -1);
        QCOMPARE(widget.selectedId(), QStringLiteral("shop")); // the selection survives
    }

    void secretsHiddenUntilShown()
    {
        AppsWidget widget(*m_directory);
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

    void addCreatesAnAppTheDirectoryFinds()
    {
        AppsWidget widget(*m_directory);
        widget.show();
        QTRY_COMPARE(widget.model()->rowCount(), 2);
        QTest::mouseClick(widget.addButton(), Qt::LeftButton);
        auto *dialog = widget.findChild<AppEditDialog *>();
        QVERIFY(dialog && dialog->isVisible() && dialog->isNew());
        dialog->lineEdit(QStringLiteral("key"))->setText(QStringLiteral("gui-key"));
        dialog->checkBox(QStringLiteral("enableClientMessages"))->setChecked(true);
        dialog->lineEdit(QStringLiteral("maxConnections"))->setText(QStringLiteral("25"));
        saveShot(*dialog, QStringLiteral("apps-add-dialog.png"));
        QSignalSpy finished(&widget, &AppsWidget::operationFinished);
        QTest::mouseClick(dialog->okButton(), Qt::LeftButton);
        QTRY_COMPARE(widget.pendingOperations(), 0);
        QVERIFY2(finished.last().at(0).toBool(), qPrintable(widget.statusLabel()->text()));

        const AppPtr app = findByKey(*m_directory, QStringLiteral("gui-key"));
        QVERIFY(app);
        QVERIFY(!app->id.isEmpty() && app->secret.size() >= 16); // generated
        QVERIFY(app->enableClientMessages);
        QCOMPARE(app->maxConnections, 25);
        QVERIFY(!app->enableUserAuthentication);
        QCOMPARE(widget.selectedId(), app->id); // the new app is selected
        QVERIFY(widget.statusLabel()->text().contains(app->id));

        // Nothing given: id, key and secret generated.
        QTest::mouseClick(widget.addButton(), Qt::LeftButton);
        QTRY_VERIFY(widget.findChild<AppEditDialog *>() && widget.findChild<AppEditDialog *>()->isVisible());
        QTest::mouseClick(widget.findChild<AppEditDialog *>()->okButton(), Qt::LeftButton);
        QTRY_COMPARE(widget.pendingOperations(), 0);
        QTRY_COMPARE(widget.model()->rowCount(), 4);
        const AppPtr generated = widget.model()->find(widget.selectedId());
        QVERIFY(generated && generated->id != app->id);
        QVERIFY(findByKey(*m_directory, generated->key));
    }

    void invalidFormStaysOpenWithTheReason()
    {
        AppsWidget widget(*m_directory);
        widget.show();
        QTRY_COMPARE(widget.model()->rowCount(), 2);
        widget.selectApp(QStringLiteral("blog"));
        QTest::mouseClick(widget.editButton(), Qt::LeftButton);
        auto *dialog = widget.findChild<AppEditDialog *>();
        QVERIFY(dialog && !dialog->isNew());
        dialog->webhooksEdit()->setPlainText(QStringLiteral("[{\"url\": broken"));
        QTest::mouseClick(dialog->okButton(), Qt::LeftButton);
        QVERIFY(dialog->isVisible());
        QVERIFY(dialog->errorLabel()->isVisible());
        QVERIFY(dialog->errorLabel()->text().contains(QStringLiteral("webhooks")));
        dialog->webhooksEdit()->clear();
        dialog->lineEdit(QStringLiteral("maxConnections"))->setText(QStringLiteral("many"));
        QTest::mouseClick(dialog->okButton(), Qt::LeftButton);
        QVERIFY(dialog->isVisible());
        QVERIFY(dialog->errorLabel()->text().contains(QStringLiteral("maxConnections")));
        QCOMPARE(widget.pendingOperations(), 0); // nothing was sent
    }

    void editChangesOnlyWhatChanged()
    {
        AppsWidget widget(*m_directory);
        widget.show();
        QTRY_COMPARE(widget.model()->rowCount(), 2);
        widget.selectApp(QStringLiteral("shop"));
        QTest::mouseClick(widget.editButton(), Qt::LeftButton);
        auto *dialog = widget.findChild<AppEditDialog *>();
        QVERIFY(dialog);
        QCOMPARE(dialog->lineEdit(QStringLiteral("maxConnections"))->text(), QStringLiteral("50"));
        dialog->lineEdit(QStringLiteral("maxConnections"))->setText(QStringLiteral("10"));
        dialog->checkBox(QStringLiteral("enableUserAuthentication"))->setChecked(true);
        dialog->webhooksEdit()->setPlainText(
            QStringLiteral("[{\"url\":\"http://127.0.0.1:9/hook\",\"event_types\":[\"member_added\"]}]"));
        QJsonObject fields;
        QString error;
        QVERIFY(dialog->collect(&fields, &error));
        QCOMPARE(fields.keys(),
            (QStringList{QStringLiteral("enableUserAuthentication"), QStringLiteral("maxConnections"),
                QStringLiteral("webhooks")}));
        saveShot(*dialog, QStringLiteral("apps-edit-dialog.png"));
        QTest::mouseClick(dialog->okButton(), Qt::LeftButton);
        QTRY_COMPARE(widget.pendingOperations(), 0);
        const AppPtr app = stored(*m_directory, QStringLiteral("shop"));
        QVERIFY(app);
        QCOMPARE(app->maxConnections, 10);
        QVERIFY(app->enableUserAuthentication);
        QVERIFY(app->enableClientMessages); // untouched
        QCOMPARE(app->secret, kSecret);
        QCOMPARE(app->webhooks.first()[QStringLiteral("event_types")].toArray().first().toString(),
            QStringLiteral("member_added"));
        QCOMPARE(widget.details()->shownText(QStringLiteral("maxConnections")), QStringLiteral("10"));
    }

    void disableAndEnable()
    {
        AppsWidget widget(*m_directory);
        widget.show();
        QTRY_COMPARE(widget.model()->rowCount(), 2);
        widget.selectApp(QStringLiteral("blog"));
        QCOMPARE(widget.enableButton()->text(), QStringLiteral("Disable"));
        QTest::mouseClick(widget.enableButton(), Qt::LeftButton);
        QVERIFY(!widget.enableButton()->isEnabled()); // one write at a time; the window did not wait for it
        QTRY_COMPARE(widget.pendingOperations(), 0);
        QCOMPARE(stored(*m_directory, QStringLiteral("blog"))->enabled, false);
        const int row = widget.model()->rowOf(QStringLiteral("blog"));
        QCOMPARE(widget.model()->index(row, AppsTableModel::EnabledColumn).data().toString(), QStringLiteral("no"));
        QCOMPARE(widget.enableButton()->text(), QStringLiteral("Enable"));
        QTest::mouseClick(widget.enableButton(), Qt::LeftButton);
        QTRY_COMPARE(widget.pendingOperations(), 0);
        QCOMPARE(stored(*m_directory, QStringLiteral("blog"))->enabled, true);
    }

    void rotateChangesTheSecret()
    {
        AppsWidget widget(*m_directory);
        widget.show();
        QTRY_COMPARE(widget.model()->rowCount(), 2);
        widget.selectApp(QStringLiteral("shop"));
        QTest::mouseClick(widget.rotateButton(), Qt::LeftButton);
        auto *dialog = widget.findChild<QInputDialog *>();
        QVERIFY(dialog && dialog->isVisible());
        dialog->setIntValue(60);
        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        dialog->accept();
        QTRY_COMPARE(widget.pendingOperations(), 0);
        const AppPtr app = stored(*m_directory, QStringLiteral("shop"));
        QVERIFY(app->secret != kSecret && !app->secret.isEmpty());
        QCOMPARE(app->previousSecret, kSecret);
        QVERIFY(app->previousSecretValidUntilMs >= before + 59000);
        QVERIFY(!widget.details()->shownText(QStringLiteral("secret")).contains(app->secret)); // still hidden
        QVERIFY(widget.statusLabel()->text().contains(QStringLiteral("60 s")));
    }

    void removeAsksFirst()
    {
        AppsWidget widget(*m_directory);
        widget.show();
        QTRY_COMPARE(widget.model()->rowCount(), 2);
        widget.selectApp(QStringLiteral("blog"));
        QTest::mouseClick(widget.removeButton(), Qt::LeftButton);
        auto *box = widget.findChild<QMessageBox *>();
        QVERIFY(box && box->isVisible());
        QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
        QTest::qWait(50);
        QCOMPARE(widget.pendingOperations(), 0);
        QVERIFY(stored(*m_directory, QStringLiteral("blog")));

        QTRY_VERIFY(!widget.findChild<QMessageBox *>()); // the first one closed itself
        QTest::mouseClick(widget.removeButton(), Qt::LeftButton);
        box = widget.findChild<QMessageBox *>();
        QVERIFY(box);
        QAbstractButton *remove = nullptr;
        for (QAbstractButton *button : box->buttons())
            if (box->buttonRole(button) == QMessageBox::DestructiveRole)
                remove = button;
        QVERIFY(remove);
        QTest::mouseClick(remove, Qt::LeftButton);
        QTRY_COMPARE(widget.pendingOperations(), 0);
        QVERIFY(!stored(*m_directory, QStringLiteral("blog")));
        QCOMPARE(widget.model()->rowOf(QStringLiteral("blog")), -1);
    }

    void storeErrorsShowInTheTab()
    {
        AppsWidget widget(*m_directory);
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
        ServerConfig config;
        config.host = QStringLiteral("127.0.0.1");
        config.port = 0;
        config.metrics.host = QStringLiteral("127.0.0.1");
        config.metrics.port = 0;
        config.shutdownGracePeriodMs = 100;
        config.appStore.driver = AppStoreConfig::Driver::Sqlite;
        config.appStore.sqlitePath = m_dir->filePath(QStringLiteral("server.sqlite"));
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
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<AppDirectory> m_directory;
};

QTEST_MAIN(TestAppsTab)
#include "tst_appstab.moc"
