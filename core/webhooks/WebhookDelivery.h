// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QStringList>

namespace qsoketi {

// One POST of events to one webhook, as queued: what goes on the wire and how often it went already.
struct WebhookDelivery
{
    quint64 id = 0; // its DeliveryLog record
    int target = 0; // index in the app's webhook list
    QByteArray body;
    QByteArray signature;
    // The channels of its events: a later delivery to the same webhook that names one of them waits until
    // this one is delivered or given up, so each channel's events arrive in order.
    QStringList channels;
    int attempts = 0;
    qint64 createdMs = 0; // the event: start of the retry window and of the latency
    qint64 readyAtMs = 0; // not before (retry back-off)
    quint64 sequence = 0; // enqueue order: queues are sorted by it, the front is the oldest
};

} // namespace qsoketi
