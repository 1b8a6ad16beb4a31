// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A real HTTP webhook endpoint on 127.0.0.1 for the tests (QAbstractHttpServer): records every request
// and answers it the way the test wants — a scripted status (200 once the script is used up), never
// (hang: the responders are kept until release()), or by closing the connection without an answer.
#include <deque>
#include <vector>

#include <QAbstractHttpServer>
#include <QDateTime>
#include <QHash>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QMessageAuthenticationCode>
#include <QTcpSocket>

namespace qsoketi::test {

struct ReceivedWebhook
{
    QString path;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;
    qint64 atMs = 0;

    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QJsonArray events() const { return json().value(QLatin1String("events")).toArray(); }
    // "name:channel" of each event.
    QStringList names() const
    {
        QStringList out;
        for (const QJsonValue e : events())
            out.append(e.toObject().value(QLatin1String("name")).toString() + u':'
                + e.toObject().value(QLatin1String("channel")).toString());
        return out;
    }
    bool signedWith(const QByteArray &secret) const
    {
        return headers.value("x-pusher-signature")
            == QMessageAuthenticationCode::hash(body, secret, QCryptographicHash::Sha256).toHex();
    }
};

class WebhookReceiver : public QAbstractHttpServer
{
public:
    enum class Mode
    {
        Answer, // the next scripted status, else 200
        Hang, // keep the request unanswered until release()
        Close, // close the connection without an answer
    };

    WebhookReceiver() { port = listen(QHostAddress::LocalHost, 0); }

    QString url(const QString &path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path); }
    QList<ReceivedWebhook> at(const QString &path) const
    {
        QList<ReceivedWebhook> out;
        for (const ReceivedWebhook &r : requests)
            if (r.path == path)
                out.append(r);
        return out;
    }
    // Every "name:channel" received, in arrival order.
    QStringList names() const
    {
        QStringList out;
        for (const ReceivedWebhook &r : requests)
            out += r.names();
        return out;
    }
    // Answers every held request with 200 and stops holding.
    void release()
    {
        mode = Mode::Answer;
        modes.clear();
        for (QHttpServerResponder &r : held)
            r.write(QHttpServerResponder::StatusCode::Ok);
        held.clear();
    }

    quint16 port = 0;
    QList<ReceivedWebhook> requests;
    std::deque<int> statuses;
    Mode mode = Mode::Answer;
    QHash<QString, Mode> modes; // by path, over `mode`
    std::vector<QHttpServerResponder> held;

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        ReceivedWebhook r;
        r.path = request.url().path();
        for (const auto &[name, value] : request.headers())
            r.headers.insert(name.toLower(), value);
        r.body = request.body();
        r.atMs = QDateTime::currentMSecsSinceEpoch();
        requests.append(r);
        const Mode mode = modes.value(r.path, this->mode);
        if (mode == Mode::Close) {
            socket->disconnectFromHost();
            return true;
        }
        QHttpServerResponder responder = makeResponder(request, socket);
        if (mode == Mode::Hang) {
            held.push_back(std::move(responder));
            return true;
        }
        int status = 200;
        if (!statuses.empty()) {
            status = statuses.front();
            statuses.pop_front();
        }
        responder.write("{}", "application/json", QHttpServerResponder::StatusCode(status));
        return true;
    }
    void missingHandler(const QHttpServerRequest &, QTcpSocket *) override {}
};

} // namespace qsoketi::test
