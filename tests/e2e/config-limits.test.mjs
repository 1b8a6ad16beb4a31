// SPDX-License-Identifier: GPL-3.0-or-later
// §2 / §4.11 environment configuration seen from the clients: SOKETI_PATH_PREFIX, custom default-app
// credentials, presence limits, channel-name / event limits and the WebSocket message size limit.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import PusherSdk from 'pusher';
import {
    canSpawn,
    closeAllClients,
    connectPusher,
    connectRaw,
    hmac,
    nextEvent,
    raceTimeout,
    rest,
    sdk,
    sleep,
    startServer,
    subscribe,
} from './lib/harness.mjs';

const T = { timeout: 30000 };
const skip = !canSpawn() && 'needs a spawned server';

describe('path prefix and custom app credentials', { skip }, () => {
    const app = { id: '4242', key: 'custom-key', secret: 'custom-secret' };
    let server;
    before(async () => {
        server = await startServer({
            env: {
                SOKETI_PATH_PREFIX: '/ws-prefix',
                SOKETI_DEFAULT_APP_ID: app.id,
                SOKETI_DEFAULT_APP_KEY: app.key,
                SOKETI_DEFAULT_APP_SECRET: app.secret,
            },
        });
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('WebSocket and REST live under the prefix; SDK and pusher-js use it', T, async () => {
        const c = await connectRaw(server, { key: `${app.key}`, query: '', ms: 3000 }).catch(() => null);
        // without the prefix the app endpoint is not there
        if (c) {
            const first = await raceTimeout(c.expect(() => true, { ms: 2000 }).catch(() => null), 2000);
            assert.ok(!first || first.event !== 'pusher:connection_established', 'no app endpoint without the prefix');
        }
        const client = await connectPusher(server, {
            key: app.key,
            app,
            options: { wsPath: '/ws-prefix' },
        });
        const ch = 'private-prefixed';
        const channel = await subscribe(client, ch);
        const sdk = new PusherSdk({ appId: app.id, key: app.key, secret: app.secret, host: '127.0.0.1', port: String(server.port), useTLS: false });
        sdk.config.prefixPath = (subPath) => `/ws-prefix/apps/${app.id}${subPath}`;
        const got = nextEvent(channel, 'hello');
        await sdk.trigger(ch, 'hello', { p: 1 });
        assert.deepEqual(await got, { p: 1 });
        const res = await rest(server, { app, path: `/ws-prefix/apps/${app.id}/channels/${ch}` });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.json.occupied, true);
        const unprefixed = await fetch(server.url(`/apps/${app.id}/channels`));
        assert.equal(unprefixed.status, 404);
    });
});

describe('limits from the environment', { skip }, () => {
    let server;
    before(async () => {
        server = await startServer({
            env: {
                SOKETI_PRESENCE_MAX_MEMBERS: '2',
                SOKETI_PRESENCE_MAX_MEMBER_SIZE: '1',
                SOKETI_CHANNEL_LIMITS_MAX_NAME_LENGTH: '20',
                SOKETI_EVENT_MAX_BATCH_SIZE: '3',
                SOKETI_EVENT_MAX_CHANNELS_AT_ONCE: '2',
                SOKETI_EVENT_MAX_NAME_LENGTH: '10',
                SOKETI_WS_MAX_MESSAGE_SIZE_IN_KB: '16',
                SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'true',
            },
        });
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('presence: members over SOKETI_PRESENCE_MAX_MEMBERS → subscription_error 4100 LimitReached', T, async () => {
        const ch = 'presence-full';
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        const c = await connectRaw(server);
        assert.equal((await a.subscribe(server, ch, { channelData: { user_id: 'a' } })).event, 'pusher_internal:subscription_succeeded');
        assert.equal((await b.subscribe(server, ch, { channelData: { user_id: 'b' } })).event, 'pusher_internal:subscription_succeeded');
        const reply = await c.subscribe(server, ch, { channelData: { user_id: 'c' } });
        assert.equal(reply.event, 'pusher:subscription_error');
        assert.equal(reply.dataParsed.type, 'LimitReached');
        assert.equal(reply.dataParsed.status, 4100);
        assert.ok(c.isOpen);
    });

    test('presence: user_info over SOKETI_PRESENCE_MAX_MEMBER_SIZE KB → subscription_error 4301', T, async () => {
        const c = await connectRaw(server);
        const reply = await c.subscribe(server, 'presence-fat', { channelData: { user_id: 'fat', user_info: { blob: 'x'.repeat(1100) } } });
        assert.equal(reply.event, 'pusher:subscription_error');
        assert.equal(reply.dataParsed.status, 4301);
        const ok = await c.subscribe(server, 'presence-thin', { channelData: { user_id: 'thin', user_info: { blob: 'x'.repeat(500) } } });
        assert.equal(ok.event, 'pusher_internal:subscription_succeeded');
    });

    test('channel name over SOKETI_CHANNEL_LIMITS_MAX_NAME_LENGTH → 4009', T, async () => {
        const c = await connectRaw(server);
        const reply = await c.subscribe(server, 'a'.repeat(21));
        assert.equal(reply.event, 'pusher:subscription_error');
        assert.equal(reply.dataParsed.status, 4009);
        assert.match(reply.dataParsed.error ?? '', /20/);
        assert.equal((await c.subscribe(server, 'a'.repeat(20))).event, 'pusher_internal:subscription_succeeded');
    });

    test('REST: batch size, channels at once and event name length follow the env', T, async () => {
        const base = '/apps/app-id';
        const batch = (n) => Array.from({ length: n }, (_, i) => ({ channel: 'c', name: 'e', data: String(i) }));
        assert.equal((await rest(server, { method: 'POST', path: `${base}/batch_events`, body: { batch: batch(3) } })).status, 200);
        assert.equal((await rest(server, { method: 'POST', path: `${base}/batch_events`, body: { batch: batch(4) } })).status, 400);
        assert.equal((await rest(server, { method: 'POST', path: `${base}/events`, body: { name: 'e', data: '1', channels: ['a', 'b'] } })).status, 200);
        assert.equal((await rest(server, { method: 'POST', path: `${base}/events`, body: { name: 'e', data: '1', channels: ['a', 'b', 'c'] } })).status, 400);
        assert.equal((await rest(server, { method: 'POST', path: `${base}/events`, body: { name: 'n'.repeat(10), data: '1', channel: 'a' } })).status, 200);
        assert.equal((await rest(server, { method: 'POST', path: `${base}/events`, body: { name: 'n'.repeat(11), data: '1', channel: 'a' } })).status, 400);
    });

    test('WebSocket message over SOKETI_WS_MAX_MESSAGE_SIZE_IN_KB closes only that socket', T, async () => {
        const observer = await connectRaw(server);
        await observer.subscribe(server, 'size-watch');
        const c = await connectRaw(server);
        // under the limit: still answered
        const from = c.frames.length;
        c.send({ event: 'pusher:ping', data: { pad: 'x'.repeat(8 * 1024) } });
        await c.expect('pusher:pong', { from });
        c.send({ event: 'pusher:ping', data: { pad: 'x'.repeat(20 * 1024) } });
        const reaction = await raceTimeout(
            Promise.race([
                c.closed.then((x) => ({ closed: x })),
                c.expect('pusher:error', { from: c.frames.length, ms: 3000 }).then((f) => ({ error: f }), () => null),
            ]),
            3000,
        );
        assert.ok(reaction, 'oversized message got no reaction');
        // qsoketi closes with 1009 (message too big); a pusher:error would also be acceptable
        if (reaction.closed) assert.equal(reaction.closed.code, 1009);
        const mark = observer.frames.length;
        observer.send({ event: 'pusher:ping', data: {} });
        await observer.expect('pusher:pong', { from: mark });
    });

    test('client event name over SOKETI_EVENT_MAX_NAME_LENGTH → 4301; at the limit it is relayed', T, async () => {
        const c = await connectRaw(server);
        const d = await connectRaw(server);
        await c.subscribe(server, 'private-limits');
        await d.subscribe(server, 'private-limits');
        const from = c.frames.length;
        c.send({ event: 'client-way-too-long-name', channel: 'private-limits', data: {} });
        const err = await c.expect('pusher:error', { from });
        assert.equal(err.dataParsed.code, 4301);
        const fromD = d.frames.length;
        c.send({ event: 'client-ok', channel: 'private-limits', data: { fine: true } });
        const f = await d.expect((x) => x.event === 'client-ok', { from: fromD });
        assert.deepEqual(f.dataParsed, { fine: true });
        assert.ok(!d.frames.slice(fromD).some((x) => x.event === 'client-way-too-long-name'));
    });
});

describe('JSON config file (--config) with two apps', { skip }, () => {
    const app1 = { id: 'first-id', key: 'first-key', secret: 'first-secret' };
    const app2 = { id: 'second-id', key: 'second-key', secret: 'second-secret' };
    let server;
    let dir;
    before(async () => {
        dir = mkdtempSync(path.join(tmpdir(), 'qsoketi-e2e-config-'));
        const file = path.join(dir, 'config.json');
        writeFileSync(
            file,
            JSON.stringify({
                'appManager.array.apps': [
                    { ...app1, enableClientMessages: true, maxConnections: 3 },
                    { ...app2, enableClientMessages: false },
                ],
                'httpApi.requestLimitInMb': 1,
            }),
        );
        server = await startServer({ args: [`--config=${file}`] });
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
        if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('both apps accept connections; the env default app is not there', T, async () => {
        const a = await connectRaw(server, { key: app1.key });
        const b = await connectRaw(server, { key: app2.key });
        assert.ok(a.socketId && b.socketId);
        const d = await connectRaw(server, { key: 'app-key', waitEstablished: false });
        assert.equal((await d.expect('pusher:error')).dataParsed.code, 4001);
    });

    test('apps are isolated: same channel name, events and REST state per app', T, async () => {
        const a = await connectRaw(server, { key: app1.key });
        const b = await connectRaw(server, { key: app2.key });
        await a.subscribe(server, 'shared-name', { app: app1 });
        await b.subscribe(server, 'shared-name', { app: app2 });
        const ma = a.frames.length;
        const mb = b.frames.length;
        await sdk(server, { app: app1 }).trigger('shared-name', 'only-app1', { x: 1 });
        await a.expect((f) => f.event === 'only-app1', { from: ma });
        await b.expectNone((f) => f.event === 'only-app1', { from: mb, ms: 300 });
        // REST of app2 signed with app1's secret is refused
        assert.equal((await rest(server, { app: { ...app2, secret: app1.secret }, path: `/apps/${app2.id}/channels` })).status, 401);
        const list2 = await rest(server, { app: app2, path: `/apps/${app2.id}/channels/shared-name` });
        assert.equal(list2.json.subscription_count, 1);
        // private auth signed with the other app's secret fails
        const c = await connectRaw(server, { key: app2.key });
        const reply = await c.subscribe(server, 'private-x', { app: app1 });
        assert.equal(reply.event, 'pusher:subscription_error');
    });

    test('per-app settings: client messages and connection quota', T, async () => {
        const ch = 'private-per-app';
        const a1 = await connectRaw(server, { key: app1.key });
        const a2 = await connectRaw(server, { key: app1.key });
        await a1.subscribe(server, ch, { app: app1 });
        await a2.subscribe(server, ch, { app: app1 });
        const m = a2.frames.length;
        a1.send({ event: 'client-hi', channel: ch, data: { ok: 1 } });
        await a2.expect((f) => f.event === 'client-hi', { from: m });
        const a3 = await connectRaw(server, { key: app1.key });
        assert.ok(a3.socketId);
        const a4 = await connectRaw(server, { key: app1.key, waitEstablished: false });
        assert.equal((await a4.expect('pusher:error')).dataParsed.code, 4100);
        // app2 has no quota and no client messages
        const b1 = await connectRaw(server, { key: app2.key });
        await b1.subscribe(server, ch, { app: app2 });
        const mb = b1.frames.length;
        b1.send({ event: 'client-hi', channel: ch, data: {} });
        assert.equal((await b1.expect('pusher:error', { from: mb })).dataParsed.code, 4301);
    });

    test('httpApi.requestLimitInMb: a body over 1 MB → 413', T, async () => {
        const big = { name: 'e', channel: 'c', data: 'x'.repeat(1100 * 1024) };
        const res = await rest(server, { app: app1, method: 'POST', path: `/apps/${app1.id}/events`, body: big });
        assert.equal(res.status, 413, res.text);
        assert.equal(res.json?.code, 413);
    });
});

describe('.env file in the working directory', { skip }, () => {
    test('.env values apply; the real environment wins over .env', T, async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'qsoketi-e2e-dotenv-'));
        writeFileSync(
            path.join(dir, '.env'),
            ['# comment line', 'SOKETI_DEFAULT_APP_KEY=dotenv-key', 'SOKETI_DEFAULT_APP_SECRET="dotenv-secret"', 'SOKETI_DEFAULT_APP_MAX_CONNS=5', ''].join('\n'),
        );
        const server = await startServer({ cwd: dir, env: { SOKETI_DEFAULT_APP_MAX_CONNS: '1' } });
        try {
            const app = { id: 'app-id', key: 'dotenv-key', secret: 'dotenv-secret' };
            const c = await connectRaw(server, { key: app.key });
            const reply = await c.subscribe(server, 'private-dotenv', { app });
            assert.equal(reply.event, 'pusher_internal:subscription_succeeded', 'secret from .env signs private channels');
            // SOKETI_DEFAULT_APP_MAX_CONNS=1 from the real env beats 5 from .env
            const d = await connectRaw(server, { key: app.key, waitEstablished: false });
            assert.equal((await d.expect('pusher:error')).dataParsed.code, 4100);
        } finally {
            await closeAllClients();
            await server.stop();
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe('WebSocket idle timeout and backpressure (qsoketi settings)', { skip }, () => {
    let server;
    before(async () => {
        server = await startServer({ env: { SOKETI_WS_IDLE_TIMEOUT: '2', SOKETI_WS_MAX_BACKPRESSURE_IN_KB: '256' } });
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('after SOKETI_WS_IDLE_TIMEOUT s of client silence the server pings; answering keeps the socket', T, async () => {
        // qsoketi follows Pusher here: it pings a silent client (pusher:ping + a WebSocket ping)
        // instead of soketi's "close 4201 after 120 s without sending".
        const idle = await connectRaw(server);
        const chatty = await connectRaw(server);
        const timer = setInterval(() => chatty.send({ event: 'pusher:ping', data: {} }), 400);
        try {
            const started = Date.now();
            const ping = await idle.expect('pusher:ping', { ms: 6000 });
            assert.ok(ping);
            assert.ok(Date.now() - started >= 1500, 'not before the idle timeout');
            idle.send({ event: 'pusher:pong', data: {} });
            await sleep(1000);
            assert.ok(idle.isOpen);
            assert.ok(!chatty.frames.some((f) => f.event === 'pusher:ping'), 'a client that talks is not pinged');
        } finally {
            clearInterval(timer);
        }
    });

    test('a client that answers neither pusher:ping nor WebSocket pings is closed with 4201', { timeout: 60000 }, async () => {
        const deaf = await connectRaw(server, { wsOptions: { autoPong: false } });
        const ping = await deaf.expect('pusher:ping', { ms: 6000 });
        assert.ok(ping);
        const closed = await raceTimeout(deaf.closed, 40000);
        assert.ok(closed, 'closed within idle timeout + 30 s pong timeout');
        assert.equal(closed.code, 4201);
    });

    test('a client that stops reading is dropped; the others keep receiving everything', T, async () => {
        const ch = 'backpressure';
        const slow = await connectRaw(server);
        const fast = await connectRaw(server);
        await slow.subscribe(server, ch);
        await fast.subscribe(server, ch);
        slow.ws._socket.pause(); // stop reading: the kernel buffers fill, then the server's queue
        const payload = 'y'.repeat(90 * 1024);
        const from = fast.frames.length;
        const n = 150; // ~13.5 MB, far more than socket buffers + 256 KB
        const client = sdk(server);
        for (let i = 0; i < n; i++) await client.trigger(ch, 'big', payload);
        await raceTimeout(
            (async () => {
                while (fast.frames.slice(from).filter((f) => f.event === 'big').length < n) await sleep(50);
            })(),
            20000,
        );
        assert.equal(fast.frames.slice(from).filter((f) => f.event === 'big').length, n, 'fast client got every event');
        const count = await rest(server, { path: `/apps/${APP_ID}/channels/${ch}`, params: { info: 'subscription_count' } });
        assert.equal(count.json.subscription_count, 1, 'the slow client was dropped');
        slow.ws._socket.resume();
        const closed = await raceTimeout(slow.closed, 5000);
        assert.ok(closed, 'slow socket closed');
    });
});

const APP_ID = 'app-id';

describe('signature helpers agree with the SDK', () => {
    test('hmac of the channel string matches authorizeChannel', T, () => {
        const sdk = new PusherSdk({ appId: '1', key: 'k', secret: 's', host: '127.0.0.1' });
        const signed = sdk.authorizeChannel('1.2', 'private-x');
        assert.equal(signed.auth, `k:${hmac('s', '1.2:private-x')}`);
    });
});
