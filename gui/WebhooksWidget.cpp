// SPDX-License-Identifier: GPL-3.0-or-later
#include "WebhooksWidget.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "DeliveryLogModel.h"
#include "webhooks/WebhookSender.h"

namespace qsoketi {

namespace {

QString clock(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("HH:mm:ss.zzz"));
}

} // namespace

WebhooksWidget::WebhooksWidget(WebhookSender &sender, QWidget *parent)
    : QWidget(parent)
    , m_sender(sender)
    , m_model(new DeliveryLogModel(this))
    , m_table(new QTableView(this))
    , m_app(new QComboBox(this))
    , m_outcome(new QComboBox(this))
    , m_search(new QLineEdit(this))
    , m_replay(new QPushButton(QStringLiteral("Replay"), this))
    , m_details(new QPlainTextEdit(this))
    , m_status(new QLabel(this))
    , m_count(new QLabel(this))
{
    m_app->addItem(QStringLiteral("All apps"), QString());
    m_outcome->addItem(QStringLiteral("All outcomes"), QString());
    for (const char *outcome : {"pending", "retrying", "delivered", "failed", "dropped", "abandoned"})
        m_outcome->addItem(QLatin1String(outcome), QLatin1String(outcome));
    m_search->setPlaceholderText(QStringLiteral("URL, event or channel"));
    m_search->setClearButtonEnabled(true);
    m_replay->setEnabled(false);
    m_replay->setToolTip(QStringLiteral("Send the selected delivery's events again, with a fresh signature"));

    auto *filters = new QHBoxLayout;
    filters->addWidget(new QLabel(QStringLiteral("App"), this));
    filters->addWidget(m_app);
    filters->addWidget(new QLabel(QStringLiteral("Outcome"), this));
    filters->addWidget(m_outcome);
    filters->addWidget(m_search, 1);
    filters->addWidget(m_replay);

    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(DeliveryLogModel::EventsColumn, QHeaderView::Stretch);
    m_details->setReadOnly(true);
    m_details->setPlaceholderText(QStringLiteral("Select a delivery to see each attempt."));

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_table);
    split->addWidget(m_details);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(filters);
    layout->addWidget(split, 1);
    auto *footer = new QHBoxLayout;
    footer->addWidget(m_status, 1);
    footer->addWidget(m_count);
    layout->addLayout(footer);

    connect(m_app, &QComboBox::currentIndexChanged, this, &WebhooksWidget::applyFilter);
    connect(m_outcome, &QComboBox::currentIndexChanged, this, &WebhooksWidget::applyFilter);
    connect(m_search, &QLineEdit::textChanged, this, &WebhooksWidget::applyFilter);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &WebhooksWidget::showSelected);
    connect(m_replay, &QPushButton::clicked, this, &WebhooksWidget::replaySelected);
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, &WebhooksWidget::refresh);
    m_timer.start();
    refresh();
}

WebhooksWidget::~WebhooksWidget()
{
    *m_alive = false; // answers still on their way from the server thread are dropped
}

void WebhooksWidget::onServerThread(std::function<std::function<void()>()> work)
{
    // Back through the application object, which outlives this widget; `alive` is read on this thread.
    // On one thread both hops are direct calls.
    QMetaObject::invokeMethod(&m_sender, [work = std::move(work), alive = m_alive] {
        QMetaObject::invokeMethod(QCoreApplication::instance(), [done = work(), alive] {
            if (*alive)
                done();
        });
    });
}

void WebhooksWidget::refresh()
{
    WebhookSender *sender = &m_sender;
    const quint64 seen = m_read ? m_version : ~quint64(0);
    onServerThread([this, sender, seen]() -> std::function<void()> {
        const DeliveryLog &log = sender->deliveryLog();
        const quint64 version = log.version();
        if (version == seen)
            return [] {};
        QList<DeliveryRecord> records;
        for (const DeliveryRecord *record : log.records())
            records.append(*record);
        return [this, version, records = std::move(records), apps = log.apps(), perApp = log.perApp()] {
            m_read = true;
            m_version = version;
            showLog(records, apps, perApp);
        };
    });
}

void WebhooksWidget::showLog(const QList<DeliveryRecord> &records, const QStringList &apps, int perApp)
{
    for (const QString &app : apps)
        if (m_app->findData(app) < 0)
            m_app->addItem(app, app);
    // A reset drops the selection: keep the selected delivery selected.
    const quint64 selected = selectedId();
    m_model->setRecords(records);
    if (const int row = selected ? m_model->rowOf(selected) : -1; row >= 0)
        m_table->selectRow(row);
    showSelected();
    m_count->setText(QStringLiteral("%1 of %2 deliveries shown; the last %3 of each app are kept")
                         .arg(m_model->rowCount())
                         .arg(records.size())
                         .arg(perApp));
}

void WebhooksWidget::applyFilter()
{
    const quint64 selected = selectedId();
    m_model->setFilter(m_app->currentData().toString(), m_outcome->currentData().toString(), m_search->text());
    if (const int row = selected ? m_model->rowOf(selected) : -1; row >= 0)
        m_table->selectRow(row);
    showSelected();
}

quint64 WebhooksWidget::selectedId() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : rows.first().data(DeliveryLogModel::IdRole).toULongLong();
}

void WebhooksWidget::showSelected()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    const DeliveryRecord *r = rows.isEmpty() ? nullptr : m_model->record(rows.first().row());
    m_replay->setEnabled(r != nullptr);
    if (!r) {
        m_details->clear();
        return;
    }
    QStringList lines{QStringLiteral("Delivery %1 of app %2 to %3, event at %4")
                          .arg(r->id)
                          .arg(r->appId, r->url, clock(r->createdMs)),
        QStringLiteral("Events: %1").arg(r->eventSummary())};
    if (r->replayOf != 0)
        lines.append(QStringLiteral("Replay of delivery %1").arg(r->replayOf));
    const int shownFrom = r->attemptCount - int(r->attempts.size()) + 1;
    for (int i = 0; i < r->attempts.size(); ++i) {
        const DeliveryAttempt &a = r->attempts[i];
        lines.append(QStringLiteral("  attempt %1 at %2: %3 after %4 ms")
                         .arg(shownFrom + i)
                         .arg(clock(a.atMs), a.status != 0 ? QStringLiteral("HTTP %1").arg(a.status) : a.error)
                         .arg(a.latencyMs));
    }
    QString outcome = QStringLiteral("Outcome: %1").arg(DeliveryRecord::outcomeName(r->outcome));
    if (r->outcome == DeliveryRecord::Outcome::Retrying)
        outcome += QStringLiteral(", next attempt at %1").arg(clock(r->nextAttemptMs));
    if (r->finishedMs != 0)
        outcome += QStringLiteral(", %1 ms after the event").arg(r->finishedMs - r->createdMs);
    lines.append(outcome);
    const QString text = lines.join(u'\n');
    if (m_details->toPlainText() != text)
        m_details->setPlainText(text);
}

void WebhooksWidget::replaySelected()
{
    const quint64 id = selectedId();
    if (id == 0)
        return;
    WebhookSender *sender = &m_sender;
    onServerThread([this, sender, id]() -> std::function<void()> {
        QString error;
        const quint64 replayed = sender->replay(id, &error);
        return [this, id, replayed, error] {
            m_status->setText(replayed != 0
                    ? QStringLiteral("Replayed delivery %1 as delivery %2").arg(id).arg(replayed)
                    : QStringLiteral("Replay of delivery %1 failed: %2").arg(id).arg(error));
            refresh();
        };
    });
}

} // namespace qsoketi
