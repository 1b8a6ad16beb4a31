// SPDX-License-Identifier: GPL-3.0-or-later
// The Apps tab's buttons against a real SQLite app store: Add, Edit, Disable/Enable, Rotate secret and
// Remove, each checked through AppDirectory (what the server reads), and forms that refuse bad values.
#include <QApplication>
#include <QCheckBox>
#include <QDateTime>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QToolButton>

#include "AppDetailsPanel.h"
#include "AppEditDialog.h"
#include "AppsTabTestSupport.h"
#include "AppsTableModel.h"
#include "AppsWidget.h"

using namespace qsoketi;
using namespace qsoketi::test;

class TestAppsTabWrites final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void init() { m_store.setUp(); }
    void cleanup() { m_store.tearDown(); }

    void addCreatesAnAppTheDirectoryFinds()
    {
        AppsWidget widget(*m_store.directory);
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

        const AppPtr app = findByKey(*m_store.directory, QStringLiteral("gui-key"));
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
        QVERIFY(findByKey(*m_store.directory, generated->key));
    }

    void invalidFormStaysOpenWithTheReason()
    {
        AppsWidget widget(*m_store.directory);
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
        AppsWidget widget(*m_store.directory);
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
        const AppPtr app = stored(*m_store.directory, QStringLiteral("shop"));
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
        AppsWidget widget(*m_store.directory);
        widget.show();
        QTRY_COMPARE(widget.model()->rowCount(), 2);
        widget.selectApp(QStringLiteral("blog"));
        QCOMPARE(widget.enableButton()->text(), QStringLiteral("Disable"));
        QTest::mouseClick(widget.enableButton(), Qt::LeftButton);
        QVERIFY(!widget.enableButton()->isEnabled()); // one write at a time; the window did not wait for it
        QTRY_COMPARE(widget.pendingOperations(), 0);
        QCOMPARE(stored(*m_store.directory, QStringLiteral("blog"))->enabled, false);
        const int row = widget.model()->rowOf(QStringLiteral("blog"));
        QCOMPARE(widget.model()->index(row, AppsTableModel::EnabledColumn).data().toString(), QStringLiteral("no"));
        QCOMPARE(widget.enableButton()->text(), QStringLiteral("Enable"));
        QTest::mouseClick(widget.enableButton(), Qt::LeftButton);
        QTRY_COMPARE(widget.pendingOperations(), 0);
        QCOMPARE(stored(*m_store.directory, QStringLiteral("blog"))->enabled, true);
    }

    void rotateChangesTheSecret()
    {
        AppsWidget widget(*m_store.directory);
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
        const AppPtr app = stored(*m_store.directory, QStringLiteral("shop"));
        QVERIFY(app->secret != kSecret && !app->secret.isEmpty());
        QCOMPARE(app->previousSecret, kSecret);
        QVERIFY(app->previousSecretValidUntilMs >= before + 59000);
        QVERIFY(!widget.details()->shownText(QStringLiteral("secret")).contains(app->secret)); // still hidden
        QVERIFY(widget.statusLabel()->text().contains(QStringLiteral("60 s")));
    }

    void removeAsksFirst()
    {
        AppsWidget widget(*m_store.directory);
        widget.show();
        QTRY_COMPARE(widget.model()->rowCount(), 2);
        widget.selectApp(QStringLiteral("blog"));
        QTest::mouseClick(widget.removeButton(), Qt::LeftButton);
        auto *box = widget.findChild<QMessageBox *>();
        QVERIFY(box && box->isVisible());
        QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
        QTest::qWait(50);
        QCOMPARE(widget.pendingOperations(), 0);
        QVERIFY(stored(*m_store.directory, QStringLiteral("blog")));

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
        QVERIFY(!stored(*m_store.directory, QStringLiteral("blog")));
        QCOMPARE(widget.model()->rowOf(QStringLiteral("blog")), -1);
    }

private:
    SqliteAppStore m_store;
};

QTEST_MAIN(TestAppsTabWrites)
#include "tst_appstabwrites.moc"
