// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <memory>

#include <QList>
#include <QStringList>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace qsoketi {

class DeliveryLogModel;
class WebhookSender;
struct DeliveryRecord;

// The dashboard's Webhooks tab: the delivery log (WebhookSender::deliveryLog, the same records as
// GET /webhooks/deliveries on the metrics port) with filters by app, outcome and text, every attempt of
// the selected delivery, and Replay (a new delivery of its events, signed now). The sender lives on the
// server's thread (ServerThread): the log is read there once a second, copied only when it changed, and
// replays run there; the answers come back to the window's thread.
class WebhooksWidget : public QWidget
{
    Q_OBJECT

public:
    explicit WebhooksWidget(WebhookSender &sender, QWidget *parent = nullptr);
    ~WebhooksWidget() override;

    // Asks for the log; the table follows when the answer is back (at once when on one thread).
    void refresh();
    // Replays the selected delivery; the status line says how it went.
    void replaySelected();

    DeliveryLogModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QComboBox *appBox() const { return m_app; }
    QComboBox *outcomeBox() const { return m_outcome; }
    QLineEdit *searchEdit() const { return m_search; }
    QPushButton *replayButton() const { return m_replay; }
    QPlainTextEdit *details() const { return m_details; }
    QLabel *statusLabel() const { return m_status; }

private:
    void applyFilter();
    void showSelected();
    void showLog(const QList<DeliveryRecord> &records, const QStringList &apps, int perApp);
    quint64 selectedId() const;
    // Runs work on the sender's thread and then `done` here, unless this widget is gone by then.
    void onServerThread(std::function<std::function<void()>()> work);

    WebhookSender &m_sender;
    DeliveryLogModel *m_model;
    QTableView *m_table;
    QComboBox *m_app;
    QComboBox *m_outcome;
    QLineEdit *m_search;
    QPushButton *m_replay;
    QPlainTextEdit *m_details;
    QLabel *m_status; // the last replay's result
    QLabel *m_count;
    QTimer m_timer;
    quint64 m_version = 0; // of the log last shown
    bool m_read = false;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true); // read and written on this thread only
};

} // namespace qsoketi
