// SPDX-License-Identifier: GPL-3.0-or-later
// §13 graceful shutdown: SIGTERM/SIGINT → every client gets pusher:error 4200 and close 4200, the
// server stops accepting traffic, and the process exits 0 within SOKETI_SHUTDOWN_GRACE_PERIOD + 2 s.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    canSpawn,
    closeAllClients,
    connectPusher,
    connectRaw,
    nextEvent,
    raceTimeout,
    sdk,
    sleep,
    startServer,
    subscribe,
} from './lib/harness.mjs';

const T = { timeout: 30000 };

async function exitWithin(server, ms) {
    const started = Date.now();
    const result = await raceTimeout(server.exited, ms);
    return { result, elapsed: Date.now() - started };
}

describe('graceful shutdown', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    afterEach(closeAllClients);

    test('SIGTERM: every socket gets pusher:error 4200 + close 4200; exit 0 within grace + 2 s', T, async () => {
        const grace = 1000;
        const server = await startServer({ env: { SOKETI_SHUTDOWN_GRACE_PERIOD: String(grace) } });
        try {
            const raws = [];
            for (let i = 0; i < 5; i++) {
                const c = await connectRaw(server);
                await c.subscribe(server, `shutdown-${i % 2}`);
                raws.push(c);
            }
            const pres = await connectRaw(server);
            await pres.subscribe(server, 'presence-shutdown', { channelData: { user_id: 'p' } });
            raws.push(pres);
            const pjs = await connectPusher(server);
            await subscribe(pjs, 'private-shutdown');
            const pjsError = new Promise((resolve) => pjs.connection.bind('error', resolve));

            const sentAt = Date.now();
            server.proc.kill('SIGTERM');
            for (const c of raws) {
                const err = await c.expect('pusher:error', { ms: grace + 2000 });
                assert.equal(err.dataParsed.code, 4200);
                assert.equal(typeof err.dataParsed.message, 'string');
                const closed = await raceTimeout(c.closed, grace + 2000);
                assert.ok(closed, 'socket closed by the server');
                assert.equal(closed.code, 4200);
            }
            const pe = await raceTimeout(pjsError, 3000);
            assert.ok(pe, 'pusher-js saw the 4200 error');
            assert.equal(pe.data?.code ?? pe.error?.data?.code, 4200, JSON.stringify(pe));

            const { result } = await exitWithin(server, grace + 2000 + 500);
            const elapsed = Date.now() - sentAt;
            assert.ok(result, `process did not exit within ${grace + 2000} ms of SIGTERM`);
            assert.equal(result.code, 0, `exit code (signal ${result.signal})`);
            assert.ok(elapsed <= grace + 2000, `exited after ${elapsed} ms`);
        } finally {
            await server.stop();
        }
    });

    test('SIGINT also shuts down gracefully with exit code 0', T, async () => {
        const server = await startServer({ env: { SOKETI_SHUTDOWN_GRACE_PERIOD: '300' } });
        try {
            const c = await connectRaw(server);
            server.proc.kill('SIGINT');
            const err = await c.expect('pusher:error', { ms: 3000 });
            assert.equal(err.dataParsed.code, 4200);
            assert.equal((await c.closed).code, 4200);
            const { result } = await exitWithin(server, 2300 + 500);
            assert.ok(result, 'exited');
            assert.equal(result.code, 0);
        } finally {
            await server.stop();
        }
    });

    test('during the grace period new connections are turned away and /ready is not 200', T, async () => {
        const grace = 3000;
        const server = await startServer({ env: { SOKETI_SHUTDOWN_GRACE_PERIOD: String(grace) } });
        try {
            const first = await connectRaw(server);
            server.proc.kill('SIGTERM');
            await first.expect('pusher:error', { ms: 2000 });
            await sleep(100);
            // a new socket: either the port is closed already, or it gets 4200 and is closed
            let late = null;
            try {
                late = await connectRaw(server, { waitEstablished: false, ms: 1000 });
            } catch {
                late = null;
            }
            if (late) {
                const f = await raceTimeout(late.expect(() => true, { ms: 1500 }).catch(() => null), 1500);
                if (f) {
                    assert.equal(f.event, 'pusher:error', `late socket got ${JSON.stringify(f)}`);
                    assert.equal(f.dataParsed.code, 4200);
                }
                const closed = await raceTimeout(late.closed, 1500);
                assert.ok(closed, 'late socket is closed');
                assert.ok(!late.frames.some((x) => x.event === 'pusher:connection_established'));
            }
            const ready = await fetch(server.url('/ready'), { signal: AbortSignal.timeout(1000) }).then(
                (r) => r.status,
                () => 'refused',
            );
            assert.notEqual(ready, 200, '/ready must not report ready while shutting down');
            const { result } = await exitWithin(server, grace + 2500);
            assert.ok(result, 'exited');
            assert.equal(result.code, 0);
        } finally {
            await server.stop();
        }
    });

    test('idle server exits promptly on SIGTERM', T, async () => {
        const server = await startServer({ env: { SOKETI_SHUTDOWN_GRACE_PERIOD: '0' } });
        const sentAt = Date.now();
        server.proc.kill('SIGTERM');
        const { result } = await exitWithin(server, 2500);
        assert.ok(result, `no exit within 2.5 s (${Date.now() - sentAt} ms)`);
        assert.equal(result.code, 0);
    });

    test('rolling restart: pusher-js reconnects to the new process on the same port and resubscribes', { timeout: 60000 }, async () => {
        const first = await startServer({ env: { SOKETI_SHUTDOWN_GRACE_PERIOD: '200' } });
        let second;
        try {
            const client = await connectPusher(first);
            const channel = await subscribe(client, 'private-rolling');
            const oldSocket = client.connection.socket_id;
            first.proc.kill('SIGTERM');
            const { result } = await exitWithin(first, 5000);
            assert.ok(result, 'first process exited');
            second = await startServer({ port: first.port, metricsPort: first.metricsPort, env: { SOKETI_SHUTDOWN_GRACE_PERIOD: '200' } });
            const resubscribed = nextEvent(channel, 'pusher:subscription_succeeded', 40000);
            await resubscribed;
            assert.equal(client.connection.state, 'connected');
            assert.notEqual(client.connection.socket_id, oldSocket, 'a new socket id from the new process');
            const got = nextEvent(channel, 'after-restart', 5000);
            await sdk(second).trigger('private-rolling', 'after-restart', { ok: true });
            assert.deepEqual(await got, { ok: true });
        } finally {
            await closeAllClients();
            await first.stop();
            await second?.stop();
        }
    });
});
