// SPDX-License-Identifier: GPL-3.0-or-later
// Worker thread for flood-fairness.test.mjs, one raw `ws` client subscribed to a private channel. Role
// 'flood': sends client events on it as fast as the server takes them; role 'read': counts what the server
// relays. Each runs in its own thread, so neither the reader falls behind (and gets dropped as a slow
// client) nor the test's measuring thread waits for either.
// workerData: {role, port, key, secret, channel, durationMs}; posts {ready} once subscribed, then
// {sent} (flood) or {relayed} (read) after durationMs.
import crypto from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';

const { role, port, key, secret, channel, durationMs } = workerData;

function open() {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/app/${key}?protocol=7&client=js&version=8.6.0`);
        ws.on('error', reject);
        ws.on('message', function first(data) {
            const frame = JSON.parse(data.toString());
            if (frame.event !== 'pusher:connection_established') return;
            ws.off('message', first);
            resolve({ ws, socketId: JSON.parse(frame.data).socket_id });
        });
    });
}

function subscribe({ ws, socketId }) {
    const auth = `${key}:${crypto.createHmac('sha256', secret).update(`${socketId}:${channel}`).digest('hex')}`;
    return new Promise((resolve, reject) => {
        ws.on('message', function reply(data) {
            const frame = JSON.parse(data.toString());
            if (frame.channel !== channel) return;
            ws.off('message', reply);
            if (frame.event === 'pusher_internal:subscription_succeeded') resolve();
            else reject(new Error(`subscription refused: ${data}`));
        });
        ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel, auth } }));
    });
}

const client = await open();
await subscribe(client);
let relayed = 0;
client.ws.on('message', () => ++relayed);
parentPort.postMessage({ ready: true });

const end = Date.now() + durationMs;
if (role === 'read') {
    await new Promise((resolve) => setTimeout(resolve, durationMs + 200));
    client.ws.terminate();
    parentPort.postMessage({ relayed });
} else {
    // Keep a few MiB queued in the client, so the server always has more to read; yield every batch
    // (a server that reads everything at once never lets the queue grow).
    const frame = JSON.stringify({ event: 'client-flood', channel, data: { pad: 'x'.repeat(40) } });
    let sent = 0;
    while (Date.now() < end) {
        for (let i = 0; i < 2000 && client.ws.bufferedAmount < 4 * 1024 * 1024; i++) {
            client.ws.send(frame);
            ++sent;
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
    }
    client.ws.terminate();
    parentPort.postMessage({ sent });
}
