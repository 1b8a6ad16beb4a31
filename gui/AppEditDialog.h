// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDialog>
#include <QHash>
#include <QJsonObject>

#include "apps/AppPtr.h"

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace qsoketi {

// The form behind the Apps tab's Add and Edit buttons: one editor per AppColumns field (switches as
// check boxes, limits as numbers where empty means the server default or unlimited, webhooks as JSON),
// checked with AppColumns::validate before it closes. It talks to no store: a valid form emits
// submitted() with the fields to send — for a new app those given (id, key and secret are generated when
// empty), for an existing one only those changed.
class AppEditDialog : public QDialog
{
    Q_OBJECT

public:
    // app == nullptr: a new app.
    explicit AppEditDialog(const AppPtr &app, QWidget *parent = nullptr);

    bool isNew() const { return !m_app; }
    QString appId() const { return m_app ? m_app->id : QString(); }
    // The fields the form holds now, as submitted() would send them; false (and *error) when one is invalid.
    bool collect(QJsonObject *fields, QString *error) const;

    QLineEdit *lineEdit(const QString &field) const { return m_lines.value(field); }
    QCheckBox *checkBox(const QString &field) const { return m_checks.value(field); }
    QPlainTextEdit *webhooksEdit() const { return m_webhooks; }
    QLabel *errorLabel() const { return m_error; }
    QPushButton *okButton() const { return m_ok; }

    void accept() override; // stays open, with the reason, while the form is invalid

signals:
    void submitted(const QJsonObject &fields);

private:
    AppPtr m_app;
    QHash<QString, QLineEdit *> m_lines;
    QHash<QString, QCheckBox *> m_checks;
    QPlainTextEdit *m_webhooks = nullptr;
    QLabel *m_error;
    QPushButton *m_ok = nullptr;
};

} // namespace qsoketi
