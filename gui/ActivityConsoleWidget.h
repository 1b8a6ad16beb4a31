// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

#include "server/ActivityFeed.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTableView;
class QToolButton;

namespace qsoketi {

class ActivityFilterProxyModel;
class ActivityLogModel;

// The debug console: filters (app, kind, trace of one socket / user / channel, channel, event, text),
// pause/resume, clear, the event table with decoded payloads and an inspector that pretty-prints JSON
// (also JSON encoded inside a string, as Pusher's `data` usually is). Double-click a row to trace its socket.
class ActivityConsoleWidget : public QWidget
{
    Q_OBJECT

public:
    explicit ActivityConsoleWidget(QWidget *parent = nullptr);

    ActivityLogModel *model() const { return m_model; }
    ActivityFilterProxyModel *proxy() const { return m_proxy; }
    QTableView *view() const { return m_view; }
    QPlainTextEdit *inspector() const { return m_inspector; }

    QComboBox *kindBox() const { return m_kind; }
    QLineEdit *traceEdit() const { return m_trace; }
    QLineEdit *textEdit() const { return m_text; }

    void setAppIds(const QStringList &appIds);
    // Selects the kind choice whose mask is `kinds` (ActivityFilterProxyModel::kindBit); false if none.
    bool setKindFilter(quint32 kinds);
    void setTrace(const QString &socketUserOrChannel);
    // Ctrl+F: the free-text filter.
    void focusFilter();
    void appendEvents(const QList<qsoketi::ActivityEvent> &events);
    void setPaused(bool paused);
    bool isPaused() const;
    void clear();
    // Pretty JSON for the inspector; other text unchanged.
    static QString prettyPayload(const QByteArray &payload);

signals:
    void pausedChanged(bool paused);
    // The row's context menu asked to close this socket (the window does it through ServerActions).
    void disconnectRequested(const QString &appId, const QString &socketId);

private:
    void showSelected();
    void showContextMenu(const QPoint &at);
    void updateStatus();

    ActivityLogModel *m_model;
    ActivityFilterProxyModel *m_proxy;
    QComboBox *m_app;
    QComboBox *m_kind;
    QLineEdit *m_trace;
    QLineEdit *m_channel;
    QLineEdit *m_event;
    QLineEdit *m_text;
    QToolButton *m_pause;
    QToolButton *m_clear;
    QTableView *m_view;
    QPlainTextEdit *m_inspector;
    QLabel *m_status;
};

} // namespace qsoketi
