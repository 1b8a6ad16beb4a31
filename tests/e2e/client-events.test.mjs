// SPDX-License-Identifier: GPL-3.0-or-later
// §4.7 client events with qsoketi's rules: only when the app enables them, only on private-/presence-
// channels, only from subscribers, never echoed to the sender, rate limited with 4301.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    canSpawn,
    closeAllClients,
    connectPusher,
    connectRaw,
    nextEvent,
    startServer,
    subscribe,
    withTimeout,
} from './lib/harness.mjs';

const T = { timeout: 20000 };
let seq = 0;
const uniq = (prefix) => `${prefix}${process.pid}-${++seq}`;

describe('client events (enabled)', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    let server;
    before(async () => {
        server = await startServer({ env: { SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'true' } });
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('pusher-js trigger on a private channel reaches the other subscriber, not the sender', T, async () => {
        const ch = uniq('private-chat-');
        const a = await connectPusher(server);
        const b = await connectPusher(server);
        const ca = await subscribe(a, ch);
        const cb = await subscribe(b, ch);
        const echoed = [];
        ca.bind('client-typing', (d) => echoed.push(d));
        const got = nextEvent(cb, 'client-typing');
        assert.equal(ca.trigger('client-typing', { who: 'a', n: 1 }), true);
        assert.deepEqual(await got, { who: 'a', n: 1 });
        await new Promise((r) => setTimeout(r, 300));
        assert.deepEqual(echoed, [], 'never echoed to the sender');
    });

    test('raw frame: data is forwarded unchanged with the channel name', T, async () => {
        const ch = uniq('private-raw-');
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        await a.subscribe(server, ch);
        await b.subscribe(server, ch);
        const from = b.frames.length;
        const fromA = a.frames.length;
        a.send({ event: 'client-move', channel: ch, data: { x: 1.5, y: [1, 'two'], z: null } });
        const f = await b.expect((x) => x.event === 'client-move', { from });
        assert.equal(f.channel, ch);
        assert.deepEqual(f.dataParsed, { x: 1.5, y: [1, 'two'], z: null });
        await a.expectNone((x) => x.event === 'client-move' || x.event === 'pusher:error', { from: fromA, ms: 300 });
    });

    test('presence channel: client events carry the sender user_id', T, async () => {
        const ch = uniq('presence-game-');
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        await a.subscribe(server, ch, { channelData: { user_id: 'player-a' } });
        await b.subscribe(server, ch, { channelData: { user_id: 'player-b' } });
        const from = b.frames.length;
        a.send({ event: 'client-shot', channel: ch, data: { at: 3 } });
        const f = await b.expect((x) => x.event === 'client-shot', { from });
        assert.equal(String(f.user_id), 'player-a');
        assert.deepEqual(f.dataParsed, { at: 3 });
    });

    test('pusher-js on a presence channel: the receiver gets metadata.user_id of the sender', T, async () => {
        const ch = uniq('presence-meta-');
        const a = await connectPusher(server, { presence: () => ({ user_id: 'sender-1', user_info: {} }) });
        const b = await connectPusher(server, { presence: () => ({ user_id: 'receiver-1', user_info: {} }) });
        const ca = await subscribe(a, ch);
        const cb = await subscribe(b, ch);
        const got = new Promise((resolve) => cb.bind('client-ping', (data, metadata) => resolve({ data, metadata })));
        ca.trigger('client-ping', { at: 1 });
        const { data, metadata } = await withTimeout(got, 5000, 'client-ping');
        assert.deepEqual(data, { at: 1 });
        assert.equal(metadata?.user_id, 'sender-1');
    });

    test('public channel: refused with pusher:error 4301 naming the rule', T, async () => {
        // qsoketi decision (soketi relays client events on public channels).
        const ch = uniq('public-');
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        await a.subscribe(server, ch);
        await b.subscribe(server, ch);
        const fromA = a.frames.length;
        const fromB = b.frames.length;
        a.send({ event: 'client-hi', channel: ch, data: {} });
        const err = await a.expect('pusher:error', { from: fromA });
        assert.equal(err.dataParsed.code, 4301);
        assert.match(err.dataParsed.message, /private|presence/i);
        await b.expectNone((x) => x.event === 'client-hi', { from: fromB, ms: 300 });
        assert.ok(a.isOpen, 'the socket stays open');
    });

    test('not subscribed: the event is not delivered', T, async () => {
        const ch = uniq('private-nosub-');
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        await b.subscribe(server, ch);
        const from = b.frames.length;
        a.send({ event: 'client-sneak', channel: ch, data: { x: 1 } });
        await b.expectNone((x) => x.event === 'client-sneak', { from, ms: 400 });
        assert.ok(a.isOpen);
    });

    test('event without the client- prefix is not relayed', T, async () => {
        const ch = uniq('private-prefix-');
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        await a.subscribe(server, ch);
        await b.subscribe(server, ch);
        const from = b.frames.length;
        a.send({ event: 'my-client-event', channel: ch, data: {} });
        a.send({ event: 'server-event', channel: ch, data: {} });
        await b.expectNone((x) => x.event === 'my-client-event' || x.event === 'server-event', { from, ms: 400 });
        assert.ok(a.isOpen);
    });

    test('event name longer than 200 characters: 4301', T, async () => {
        const ch = uniq('private-longname-');
        const a = await connectRaw(server);
        await a.subscribe(server, ch);
        const from = a.frames.length;
        a.send({ event: `client-${'n'.repeat(200)}`, channel: ch, data: {} });
        const err = await a.expect('pusher:error', { from });
        assert.equal(err.dataParsed.code, 4301);
    });

    test('data larger than 100 KB: 4301', T, async () => {
        const ch = uniq('private-big-');
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        await a.subscribe(server, ch);
        await b.subscribe(server, ch);
        const from = a.frames.length;
        const fromB = b.frames.length;
        a.send({ event: 'client-big', channel: ch, data: { blob: 'x'.repeat(101 * 1024) } });
        const err = await a.expect('pusher:error', { from });
        assert.equal(err.dataParsed.code, 4301);
        await b.expectNone((x) => x.event === 'client-big', { from: fromB, ms: 200 });
    });
});

describe('client events (disabled, default app settings)', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    let server;
    before(async () => {
        server = await startServer({ env: { SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'false' } });
    });
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('refused with pusher:error 4301 and nothing is relayed', T, async () => {
        const ch = uniq('private-off-');
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        await a.subscribe(server, ch);
        await b.subscribe(server, ch);
        const from = a.frames.length;
        const fromB = b.frames.length;
        a.send({ event: 'client-x', channel: ch, data: { v: 1 } });
        const err = await a.expect('pusher:error', { from });
        assert.equal(err.dataParsed.code, 4301);
        assert.match(err.dataParsed.message, /client/i);
        await b.expectNone((x) => x.event === 'client-x', { from: fromB, ms: 300 });
        assert.ok(a.isOpen);
    });
});

describe('client events (rate limited)', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    let server;
    before(async () => {
        server = await startServer({
            env: { SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'true', SOKETI_DEFAULT_APP_MAX_CLIENT_EVENTS_PER_SEC: '3' },
        });
    });
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('more than the per-second quota: 4301 and the excess is not relayed', T, async () => {
        const ch = uniq('private-rl-');
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        await a.subscribe(server, ch);
        await b.subscribe(server, ch);
        const from = a.frames.length;
        const fromB = b.frames.length;
        for (let i = 0; i < 10; i++) a.send({ event: 'client-burst', channel: ch, data: { i } });
        const err = await a.expect('pusher:error', { from });
        assert.equal(err.dataParsed.code, 4301);
        await new Promise((r) => setTimeout(r, 300));
        const relayed = b.frames.slice(fromB).filter((f) => f.event === 'client-burst');
        assert.ok(relayed.length >= 1 && relayed.length <= 6, `relayed ${relayed.length} of 10 (limit 3/s)`);
        assert.deepEqual(relayed[0].dataParsed, { i: 0 });
        // after the window the sender may send again
        await new Promise((r) => setTimeout(r, 1100));
        const again = b.frames.length;
        a.send({ event: 'client-burst', channel: ch, data: { i: 99 } });
        const f = await b.expect((x) => x.event === 'client-burst', { from: again });
        assert.deepEqual(f.dataParsed, { i: 99 });
    });
});
