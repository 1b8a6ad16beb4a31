// SPDX-License-Identifier: GPL-3.0-or-later
// Bounded load on loopback: fan-out of SDK events to a few hundred sockets (all delivered, in order),
// connection churn, and no state left behind afterwards (channels list empty, presence users gone).
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    APP,
    closeAllClients,
    connectRaw,
    eventually,
    rest,
    sdk,
    startServer,
} from './lib/harness.mjs';

const T = { timeout: 90000 };
const SOCKETS = 300;
const EVENTS = 20;

describe('fan-out and churn', () => {
    let server;
    before(async () => {
        server = await startServer();
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test(`${SOCKETS} sockets × ${EVENTS} events: every socket gets every event in order`, T, async () => {
        const ch = `fanout-${process.pid}`;
        const sockets = [];
        for (let i = 0; i < SOCKETS; i += 50) {
            const batch = await Promise.all(Array.from({ length: Math.min(50, SOCKETS - i) }, () => connectRaw(server, { ms: 10000 })));
            await Promise.all(batch.map((c) => c.subscribe(server, ch, { ms: 10000 })));
            sockets.push(...batch);
        }
        const info = await rest(server, { path: `/apps/${APP.id}/channels/${ch}`, params: { info: 'subscription_count' } });
        assert.equal(info.json.subscription_count, SOCKETS);
        const marks = sockets.map((c) => c.frames.length);
        const client = sdk(server);
        for (let i = 0; i < EVENTS; i++) await client.trigger(ch, 'tick', { i });
        await eventually(
            () => sockets.every((c, k) => c.frames.slice(marks[k]).filter((f) => f.event === 'tick').length === EVENTS),
            30000,
            'all deliveries',
            100,
        );
        for (const [k, c] of sockets.entries()) {
            const seq = c.frames.slice(marks[k]).filter((f) => f.event === 'tick').map((f) => f.dataParsed.i);
            assert.deepEqual(seq, [...Array(EVENTS).keys()], `socket ${k} order`);
        }
        await closeAllClients();
        await eventually(async () => {
            const r = await rest(server, { path: `/apps/${APP.id}/channels/${ch}` });
            return r.json?.occupied === false && r.json?.subscription_count === 0;
        }, 10000, 'channel vacated after all sockets closed');
    });

    test('connection churn (200 connect/subscribe/close cycles) leaves nothing behind', T, async () => {
        const pres = `presence-churn-${process.pid}`;
        for (let round = 0; round < 10; round++) {
            const batch = await Promise.all(Array.from({ length: 20 }, () => connectRaw(server)));
            await Promise.all(batch.map((c, k) => c.subscribe(server, pres, { channelData: { user_id: `u${round}-${k}` } })));
            // half close cleanly, half drop the TCP connection
            batch.forEach((c, k) => (k % 2 ? c.close() : c.terminate()));
            await Promise.all(batch.map((c) => c.closed));
        }
        await eventually(async () => {
            const r = await rest(server, { path: `/apps/${APP.id}/channels` });
            return r.status === 200 && Object.keys(r.json.channels).length === 0 ? r : null;
        }, 10000, 'no occupied channels left');
        const users = await rest(server, { path: `/apps/${APP.id}/channels/${pres}/users` });
        assert.deepEqual(users.json.users, []);
        // and the server still works
        const c = await connectRaw(server);
        const reply = await c.subscribe(server, pres, { channelData: { user_id: 'after-churn' } });
        assert.equal(reply.dataParsed.presence.count, 1);
    });
});
