// SPDX-License-Identifier: GPL-3.0-or-later
// §2 / §4.11 environment configuration seen from the clients: SOKETI_PATH_PREFIX, custom default-app
// credentials, presence limits, channel-name / event limits and the WebSocket message size limit.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
        if (reaction.closed) assert.ok([1009, 1008, 1002, 4301].includes(reaction.closed.code) || reaction.closed.code >= 1000);
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

describe('signature helpers agree with the SDK', () => {
    test('hmac of the channel string matches authorizeChannel', T, () => {
        const sdk = new PusherSdk({ appId: '1', key: 'k', secret: 's', host: '127.0.0.1' });
        const signed = sdk.authorizeChannel('1.2', 'private-x');
        assert.equal(signed.auth, `k:${hmac('s', '1.2:private-x')}`);
    });
});
