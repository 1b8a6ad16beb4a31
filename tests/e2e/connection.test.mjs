// SPDX-License-Identifier: GPL-3.0-or-later
// §4.1/§4.2: connecting, connection_established, ping/pong, refused connections (4001, 4003, 4100).
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    APP,
    SOCKET_ID_RE,
    canSpawn,
    closeAllClients,
    connectPusher,
    connectRaw,
    raceTimeout,
    sdk,
    startServer,
} from './lib/harness.mjs';

const T = { timeout: 20000 };

describe('connection', () => {
    let server;
    before(async () => {
        server = await startServer();
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('connection_established carries a socket_id and activity_timeout 30', T, async () => {
        const c = await connectRaw(server);
        const est = c.frames[0];
        assert.equal(est.event, 'pusher:connection_established');
        assert.equal(typeof est.data, 'string', 'data is a JSON-encoded string');
        const data = JSON.parse(est.data);
        assert.match(data.socket_id, SOCKET_ID_RE);
        assert.equal(data.activity_timeout, 30);
    });

    test('socket ids are unique per connection', T, async () => {
        const ids = new Set();
        for (let i = 0; i < 5; i++) {
            const c = await connectRaw(server);
            assert.match(c.socketId, SOCKET_ID_RE);
            ids.add(c.socketId);
        }
        assert.equal(ids.size, 5);
    });

    test('pusher:ping is answered with pusher:pong', T, async () => {
        const c = await connectRaw(server);
        const from = c.frames.length;
        c.send({ event: 'pusher:ping', data: {} });
        const pong = await c.expect('pusher:pong', { from });
        assert.equal(pong.event, 'pusher:pong');
        assert.ok(c.isOpen);
    });

    test('the query string is not required (no protocol version check)', T, async () => {
        const c = await connectRaw(server, { query: '' });
        assert.match(c.socketId, SOCKET_ID_RE);
    });

    test('pusher-js 8 connects and reports the same socket id format', T, async () => {
        const client = await connectPusher(server);
        assert.equal(client.connection.state, 'connected');
        assert.match(client.connection.socket_id, SOCKET_ID_RE);
    });

    test('unknown app key: pusher:error 4001 then close 4001', T, async () => {
        const c = await connectRaw(server, { key: 'no-such-key', waitEstablished: false });
        const err = await c.expect('pusher:error');
        assert.equal(err.dataParsed.code, 4001);
        assert.match(err.dataParsed.message, /no-such-key/);
        const closed = await c.closed;
        assert.equal(closed.code, 4001);
        assert.ok(!c.frames.some((f) => f.event === 'pusher:connection_established'));
    });

    test('unknown path is not a Pusher endpoint', T, async () => {
        // Either the upgrade is refused or the socket is closed without connection_established.
        let refused = false;
        let c;
        try {
            c = await connectRaw(server, { key: '', waitEstablished: false, query: '' });
        } catch {
            refused = true;
        }
        if (!refused) {
            const result = await raceTimeout(c.closed, 2000);
            assert.ok(!c.frames.some((f) => f.event === 'pusher:connection_established'), 'no connection for an empty key');
            assert.ok(result === null || result.code >= 1000);
        }
    });
});

describe('refused connections (own servers)', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    afterEach(closeAllClients);

    test('disabled app: pusher:error 4003 then close 4003', T, async () => {
        const server = await startServer({ env: { SOKETI_DEFAULT_APP_ENABLED: 'false' } });
        try {
            const c = await connectRaw(server, { waitEstablished: false });
            const err = await c.expect('pusher:error');
            assert.equal(err.dataParsed.code, 4003);
            assert.equal((await c.closed).code, 4003);
            assert.ok(!c.frames.some((f) => f.event === 'pusher:connection_established'));
        } finally {
            await closeAllClients();
            await server.stop();
        }
    });

    test('connection quota: the (max+1)th socket gets 4100, others keep working', T, async () => {
        const server = await startServer({ env: { SOKETI_DEFAULT_APP_MAX_CONNS: '2' } });
        try {
            const a = await connectRaw(server);
            const b = await connectRaw(server);
            const c = await connectRaw(server, { waitEstablished: false });
            const err = await c.expect('pusher:error');
            assert.equal(err.dataParsed.code, 4100);
            assert.equal((await c.closed).code, 4100);
            // the two admitted sockets still work
            for (const s of [a, b]) {
                const from = s.frames.length;
                s.send({ event: 'pusher:ping', data: {} });
                await s.expect('pusher:pong', { from });
            }
            // a freed slot can be reused
            a.close();
            await a.closed;
            let d;
            for (let i = 0; i < 20; i++) {
                d = await connectRaw(server, { waitEstablished: false });
                const first = await d.expect((f) => f.event === 'pusher:connection_established' || f.event === 'pusher:error');
                if (first.event === 'pusher:connection_established') break;
                await d.closed;
                await new Promise((r) => setTimeout(r, 100));
            }
            assert.ok(d.frames.some((f) => f.event === 'pusher:connection_established'), 'slot freed after a close');
        } finally {
            await closeAllClients();
            await server.stop();
        }
    });

    test('app key of another app id is unknown (custom default app)', T, async () => {
        const server = await startServer({
            env: { SOKETI_DEFAULT_APP_ID: 'other-id', SOKETI_DEFAULT_APP_KEY: 'other-key', SOKETI_DEFAULT_APP_SECRET: 'other-secret' },
        });
        try {
            const ok = await connectRaw(server, { key: 'other-key' });
            assert.match(ok.socketId, SOCKET_ID_RE);
            const bad = await connectRaw(server, { key: APP.key, waitEstablished: false });
            const err = await bad.expect('pusher:error');
            assert.equal(err.dataParsed.code, 4001);
            assert.equal((await bad.closed).code, 4001);
        } finally {
            await closeAllClients();
            await server.stop();
        }
    });
});

describe('IPv6 loopback listener (SOKETI_HOST=::1)', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    test('WebSocket, REST and the SDK work over [::1]', T, async () => {
        const server = await startServer({ host: '::1' });
        try {
            assert.equal(server.host, '[::1]');
            const c = await connectRaw(server);
            assert.match(c.socketId, SOCKET_ID_RE);
            await c.subscribe(server, 'v6-channel');
            const from = c.frames.length;
            await sdk(server).trigger('v6-channel', 'over-v6', { six: 6 });
            const f = await c.expect((x) => x.event === 'over-v6', { from });
            assert.deepEqual(f.dataParsed, { six: 6 });
            // not listening on IPv4 when bound to ::1
            const v4 = await fetch(`http://127.0.0.1:${server.port}/`, { signal: AbortSignal.timeout(1000) }).then(
                (r) => r.status,
                () => 'refused',
            );
            assert.equal(v4, 'refused');
        } finally {
            await closeAllClients();
            await server.stop();
        }
    });
});
