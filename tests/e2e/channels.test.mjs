// SPDX-License-Identifier: GPL-3.0-or-later
// §4.4–4.6: public / private / presence / encrypted / cache channels, names, unsubscribe,
// delivery of SDK-triggered events to pusher-js and raw sockets.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    APP,
    closeAllClients,
    collectEvents,
    connectPusher,
    connectRaw,
    eventually,
    hmac,
    nextEvent,
    rest,
    sdk,
    sleep,
    startServer,
    subscribe,
    trigger,
    withTimeout,
} from './lib/harness.mjs';

const T = { timeout: 20000 };
let seq = 0;
const uniq = (prefix) => `${prefix}${process.pid}-${Date.now() % 100000}-${++seq}`;

describe('channels', () => {
    let server;
    before(async () => {
        server = await startServer();
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('public channel: subscription_succeeded then an SDK-triggered event reaches pusher-js', T, async () => {
        const ch = uniq('public-');
        const client = await connectPusher(server);
        const channel = await subscribe(client, ch);
        const got = nextEvent(channel, 'greeting');
        await trigger(server, ch, 'greeting', { text: 'hello', n: 1 });
        assert.deepEqual(await got, { text: 'hello', n: 1 });
    });

    test('non-ASCII payloads and JSON escapes round-trip unchanged', T, async () => {
        const ch = uniq('unicode-');
        const client = await connectPusher(server);
        const channel = await subscribe(client, ch);
        const payload = { text: 'héllo 🌍 中文 ✓', quote: 'a "quoted" \\ back\\slash', nl: 'line1\nline2\t', zero: '\u0000x', num: 1.5e300, neg: -0, nested: [{ a: null }] };
        const got = nextEvent(channel, 'unicode');
        await trigger(server, ch, 'unicode', payload);
        assert.deepEqual(await got, JSON.parse(JSON.stringify(payload)));
        const raw = await connectRaw(server);
        await raw.subscribe(server, ch);
        const from = raw.frames.length;
        await trigger(server, ch, 'unicode-string', 'plain ünïcödé string 🎉');
        const f = await raw.expect((x) => x.event === 'unicode-string', { from });
        assert.equal(f.data, 'plain ünïcödé string 🎉');
    });

    test('public subscription reply frame shape (raw)', T, async () => {
        const ch = uniq('raw-');
        const c = await connectRaw(server);
        const reply = await c.subscribe(server, ch);
        assert.equal(reply.event, 'pusher_internal:subscription_succeeded');
        assert.equal(reply.channel, ch);
        const from = c.frames.length;
        await trigger(server, ch, 'ev', 'plain string payload');
        const ev = await c.expect((f) => f.event === 'ev', { from });
        assert.equal(ev.channel, ch);
        assert.equal(ev.data, 'plain string payload');
    });

    test('events go to every subscriber of the channel and only to them', T, async () => {
        const ch = uniq('fanout-');
        const other = uniq('other-');
        const subs = await Promise.all([connectRaw(server), connectRaw(server), connectRaw(server)]);
        for (const s of subs) assert.equal((await s.subscribe(server, ch)).event, 'pusher_internal:subscription_succeeded');
        const outsider = await connectRaw(server);
        await outsider.subscribe(server, other);
        const marks = subs.map((s) => s.frames.length);
        const outMark = outsider.frames.length;
        await trigger(server, ch, 'fan', { k: 'v' });
        for (const [i, s] of subs.entries()) {
            const f = await s.expect((x) => x.event === 'fan', { from: marks[i] });
            assert.deepEqual(f.dataParsed, { k: 'v' });
        }
        await outsider.expectNone((f) => f.event === 'fan', { from: outMark, ms: 300 });
    });

    test('trigger to several channels at once reaches each channel', T, async () => {
        const chs = [uniq('multi-a-'), uniq('multi-b-'), uniq('multi-c-')];
        const c = await connectRaw(server);
        for (const ch of chs) await c.subscribe(server, ch);
        const from = c.frames.length;
        await trigger(server, chs, 'multi', { ok: 1 });
        const got = await eventually(() => {
            const names = c.frames.slice(from).filter((f) => f.event === 'multi').map((f) => f.channel);
            return names.length === 3 ? names : null;
        }, 5000, 'three deliveries');
        assert.deepEqual([...got].sort(), [...chs].sort());
    });

    test('socket_id excludes the originating socket', T, async () => {
        const ch = uniq('except-');
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        await a.subscribe(server, ch);
        await b.subscribe(server, ch);
        const ma = a.frames.length;
        const mb = b.frames.length;
        await trigger(server, ch, 'not-for-a', { x: 1 }, { socket_id: a.socketId });
        const got = await b.expect((f) => f.event === 'not-for-a', { from: mb });
        assert.deepEqual(got.dataParsed, { x: 1 });
        await a.expectNone((f) => f.event === 'not-for-a', { from: ma, ms: 300 });
    });

    test('unsubscribe stops delivery', T, async () => {
        const ch = uniq('unsub-');
        const c = await connectRaw(server);
        await c.subscribe(server, ch);
        c.send({ event: 'pusher:unsubscribe', data: { channel: ch } });
        await eventually(async () => {
            const r = await rest(server, { path: `/apps/${APP.id}/channels/${ch}` });
            return r.json?.occupied === false ? r : null;
        }, 3000, 'channel vacated');
        const from = c.frames.length;
        await trigger(server, ch, 'after-unsub', {});
        await c.expectNone((f) => f.event === 'after-unsub', { from, ms: 300 });
        assert.ok(c.isOpen);
    });

    test('private channel: SDK-signed auth succeeds and receives events (pusher-js)', T, async () => {
        const ch = uniq('private-');
        const client = await connectPusher(server);
        const channel = await subscribe(client, ch);
        const got = nextEvent(channel, 'secret');
        await trigger(server, ch, 'secret', { a: [1, 2, 3] });
        assert.deepEqual(await got, { a: [1, 2, 3] });
    });

    test('private channel: wrong signature gives subscription_error AuthError 401', T, async () => {
        const ch = uniq('private-bad-');
        const c = await connectRaw(server);
        const reply = await c.subscribe(server, ch, { auth: `${APP.key}:${hmac('wrong-secret', `${c.socketId}:${ch}`)}` });
        assert.equal(reply.event, 'pusher:subscription_error');
        assert.equal(reply.dataParsed.type, 'AuthError');
        assert.equal(reply.dataParsed.status, 401);
        // missing auth altogether
        const ch2 = uniq('private-noauth-');
        const from = c.frames.length;
        c.send({ event: 'pusher:subscribe', data: { channel: ch2 } });
        const r2 = await c.expect((f) => f.channel === ch2, { from });
        assert.equal(r2.event, 'pusher:subscription_error');
        // and it receives nothing from that channel
        const m = c.frames.length;
        await trigger(server, ch, 'leak', {});
        await c.expectNone((f) => f.event === 'leak', { from: m, ms: 300 });
        assert.ok(c.isOpen, 'a failed subscription does not close the socket');
    });

    test('private auth signed for another socket is refused', T, async () => {
        const ch = uniq('private-stolen-');
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        const stolen = sdk(server).authorizeChannel(a.socketId, ch).auth;
        const reply = await b.subscribe(server, ch, { auth: stolen });
        assert.equal(reply.event, 'pusher:subscription_error');
        assert.equal(reply.dataParsed.status, 401);
    });

    test('pusher-js reports a subscription_error for an auth failure', T, async () => {
        const ch = uniq('private-pjs-');
        const client = await connectPusher(server, {
            options: {
                channelAuthorization: {
                    customHandler: ({ socketId, channelName }, cb) =>
                        cb(null, { auth: `${APP.key}:${hmac('not-the-secret', `${socketId}:${channelName}`)}` }),
                },
            },
        });
        const channel = client.subscribe(ch);
        const err = await nextEvent(channel, 'pusher:subscription_error');
        assert.equal(err.status, 401);
        assert.equal(channel.subscribed, false);
    });

    test('channel-type prefixes are anchored: my-private-x and foo-presence-bar are public', T, async () => {
        // qsoketi decision (soketi matches these prefixes anywhere in the name).
        for (const ch of [uniq('my-private-x-'), uniq('foo-presence-bar-')]) {
            const c = await connectRaw(server);
            const reply = await c.subscribe(server, ch, { auth: undefined });
            assert.equal(reply.event, 'pusher_internal:subscription_succeeded', `${ch} must be public`);
            const from = c.frames.length;
            await trigger(server, ch, 'pub', { ch });
            const f = await c.expect((x) => x.event === 'pub', { from });
            assert.deepEqual(f.dataParsed, { ch });
        }
    });

    test('channel name longer than 200 characters: subscription_error 4009 LimitReached', T, async () => {
        const c = await connectRaw(server);
        const longName = `public-${'x'.repeat(200)}`;
        const reply = await c.subscribe(server, longName);
        assert.equal(reply.event, 'pusher:subscription_error');
        assert.equal(reply.dataParsed.type, 'LimitReached');
        assert.equal(reply.dataParsed.status, 4009);
        // exactly 200 is fine
        const ok = `a${'b'.repeat(199)}`;
        assert.equal(ok.length, 200);
        assert.equal((await c.subscribe(server, ok)).event, 'pusher_internal:subscription_succeeded');
        assert.ok(c.isOpen);
    });

    test('channel name with invalid characters: subscription_error 4009', T, async () => {
        const c = await connectRaw(server);
        for (const bad of ['has space', 'semi:colon', 'star*', 'slash/x', 'é-accent']) {
            const reply = await c.subscribe(server, bad);
            assert.equal(reply.event, 'pusher:subscription_error', `"${bad}" must be refused`);
            assert.equal(reply.dataParsed.status, 4009, `"${bad}" status`);
        }
        // an empty name is refused too (as a subscription_error or a pusher:error)
        const from = c.frames.length;
        c.send({ event: 'pusher:subscribe', data: { channel: '' } });
        const empty = await c.expect((f) => f.event === 'pusher:subscription_error' || f.event === 'pusher:error', { from });
        assert.ok(empty.dataParsed.status === 4009 || empty.event === 'pusher:error', JSON.stringify(empty));
        // the allowed punctuation set is accepted ('#' names are reserved for #server-to-user-*)
        for (const good of ['-_=@,.;', 'A-z_0-9=@,.;']) {
            const reply = await c.subscribe(server, good);
            assert.equal(reply.event, 'pusher_internal:subscription_succeeded', `"${good}" must be accepted`);
        }
        assert.ok(c.isOpen);
    });

    test('presence: members list, member_added and member_removed with user_info', T, async () => {
        const ch = uniq('presence-room-');
        const alice = await connectPusher(server, { presence: () => ({ user_id: 'alice', user_info: { name: 'Alice' } }) });
        const ac = await subscribe(alice, ch);
        assert.equal(ac.members.count, 1);
        assert.equal(ac.members.me.id, 'alice');
        assert.deepEqual(ac.members.me.info, { name: 'Alice' });

        const added = nextEvent(ac, 'pusher:member_added');
        const bob = await connectPusher(server, { presence: () => ({ user_id: 'bob', user_info: { name: 'Bob' } }) });
        const bc = await subscribe(bob, ch);
        const member = await added;
        assert.equal(member.id, 'bob');
        assert.deepEqual(member.info, { name: 'Bob' });
        assert.equal(bc.members.count, 2);
        const seen = {};
        bc.members.each((m) => {
            seen[m.id] = m.info;
        });
        assert.deepEqual(seen, { alice: { name: 'Alice' }, bob: { name: 'Bob' } });

        const removed = nextEvent(ac, 'pusher:member_removed');
        bob.disconnect();
        const gone = await removed;
        assert.equal(gone.id, 'bob');
        assert.equal(ac.members.count, 1);
    });

    test('presence: numeric user ids keep their type in the member list', T, async () => {
        const ch = uniq('presence-num-');
        const c = await connectRaw(server);
        const reply = await c.subscribe(server, ch, { channelData: { user_id: 42, user_info: { n: 1 } } });
        assert.equal(reply.event, 'pusher_internal:subscription_succeeded');
        const presence = reply.dataParsed.presence;
        assert.equal(presence.count, 1);
        assert.equal(presence.ids.length, 1);
        assert.equal(String(presence.ids[0]), '42');
        assert.deepEqual(presence.hash[String(presence.ids[0])], { n: 1 });
    });

    test('presence: the same user on two connections is one member', T, async () => {
        const ch = uniq('presence-dup-');
        const watcher = await connectRaw(server);
        await watcher.subscribe(server, ch, { channelData: { user_id: 'watcher' } });
        const mark = watcher.frames.length;
        const u1 = await connectRaw(server);
        const u2 = await connectRaw(server);
        const r1 = await u1.subscribe(server, ch, { channelData: { user_id: 'dup', user_info: { c: 1 } } });
        assert.equal(r1.dataParsed.presence.count, 2);
        const r2 = await u2.subscribe(server, ch, { channelData: { user_id: 'dup', user_info: { c: 1 } } });
        assert.equal(r2.event, 'pusher_internal:subscription_succeeded');
        assert.equal(r2.dataParsed.presence.count, 2, 'second socket of the same user: still two members');
        await sleep(200);
        const addedFrames = watcher.frames.slice(mark).filter((f) => f.event === 'pusher_internal:member_added');
        assert.equal(addedFrames.length, 1, 'one member_added for two sockets of one user');
        assert.equal(String(addedFrames[0].dataParsed.user_id), 'dup');

        const info = await rest(server, { path: `/apps/${APP.id}/channels/${ch}`, params: { info: 'user_count,subscription_count' } });
        assert.equal(info.status, 200);
        assert.equal(info.json.user_count, 2);
        assert.equal(info.json.subscription_count, 3);
        const users = await rest(server, { path: `/apps/${APP.id}/channels/${ch}/users` });
        assert.deepEqual(users.json.users.map((u) => String(u.id)).sort(), ['dup', 'watcher']);

        // first socket leaves: no member_removed yet
        const m2 = watcher.frames.length;
        u1.close();
        await u1.closed;
        await watcher.expectNone((f) => f.event === 'pusher_internal:member_removed', { from: m2, ms: 400 });
        // second socket leaves: now member_removed
        u2.close();
        const rm = await watcher.expect('pusher_internal:member_removed', { from: m2 });
        assert.equal(String(rm.dataParsed.user_id), 'dup');
        const after2 = await rest(server, { path: `/apps/${APP.id}/channels/${ch}`, params: { info: 'user_count' } });
        assert.equal(after2.json.user_count, 1);
    });

    test('presence: unsubscribe broadcasts member_removed; subscribing again broadcasts member_added', T, async () => {
        const ch = uniq('presence-unsub-');
        const w = await connectRaw(server);
        await w.subscribe(server, ch, { channelData: { user_id: 'w' } });
        const u = await connectRaw(server);
        const m0 = w.frames.length;
        await u.subscribe(server, ch, { channelData: { user_id: 'u', user_info: { v: 1 } } });
        const added = await w.expect('pusher_internal:member_added', { from: m0 });
        assert.deepEqual(added.dataParsed, { user_id: 'u', user_info: { v: 1 } });
        const m1 = w.frames.length;
        u.send({ event: 'pusher:unsubscribe', data: { channel: ch } });
        const removed = await w.expect('pusher_internal:member_removed', { from: m1 });
        assert.equal(removed.dataParsed.user_id, 'u');
        assert.ok(u.isOpen);
        const m2 = w.frames.length;
        const again = await u.subscribe(server, ch, { channelData: { user_id: 'u', user_info: { v: 2 } } });
        assert.equal(again.dataParsed.presence.count, 2);
        const added2 = await w.expect('pusher_internal:member_added', { from: m2 });
        assert.deepEqual(added2.dataParsed.user_info, { v: 2 });
    });

    test('subscribing twice to the same channel does not double-count or double-deliver', T, async () => {
        const ch = uniq('twice-');
        const c = await connectRaw(server);
        assert.equal((await c.subscribe(server, ch)).event, 'pusher_internal:subscription_succeeded');
        const second = await c.subscribe(server, ch);
        assert.notEqual(second.event, undefined);
        const info = await rest(server, { path: `/apps/${APP.id}/channels/${ch}`, params: { info: 'subscription_count' } });
        assert.equal(info.json.subscription_count, 1);
        const from = c.frames.length;
        await trigger(server, ch, 'once', { n: 1 });
        await c.expect((f) => f.event === 'once', { from });
        await sleep(200);
        assert.equal(c.frames.slice(from).filter((f) => f.event === 'once').length, 1);
        // unsubscribing from a channel never joined is harmless
        c.send({ event: 'pusher:unsubscribe', data: { channel: uniq('never-joined-') } });
        const m = c.frames.length;
        c.send({ event: 'pusher:ping', data: {} });
        await c.expect('pusher:pong', { from: m });
    });

    test('batch items with several channels and socket_id exclusion', T, async () => {
        const x = uniq('bx-');
        const y = uniq('by-');
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        for (const s of [a, b]) {
            await s.subscribe(server, x);
            await s.subscribe(server, y);
        }
        const ma = a.frames.length;
        const mb = b.frames.length;
        const res = await rest(server, {
            method: 'POST',
            path: `/apps/${APP.id}/batch_events`,
            body: {
                batch: [
                    { channels: [x, y], name: 'multi', data: '{"k":1}' },
                    { channel: x, name: 'skip-a', data: '{}', socket_id: a.socketId },
                ],
            },
        });
        assert.equal(res.status, 200, res.text);
        await eventually(() => b.frames.slice(mb).filter((f) => f.event === 'multi').length === 2 && b.frames.slice(mb).some((f) => f.event === 'skip-a'), 3000, 'b got all');
        await eventually(() => a.frames.slice(ma).filter((f) => f.event === 'multi').length === 2, 3000, 'a got multi twice');
        await sleep(200);
        assert.ok(!a.frames.slice(ma).some((f) => f.event === 'skip-a'), 'excluded socket');
        assert.deepEqual(a.frames.slice(ma).filter((f) => f.event === 'multi').map((f) => f.channel).sort(), [x, y].sort());
    });

    test('presence: bad channel_data signature is refused', T, async () => {
        const ch = uniq('presence-bad-');
        const c = await connectRaw(server);
        const channelData = JSON.stringify({ user_id: 'mallory' });
        const signedForOther = hmac(APP.secret, `${c.socketId}:${ch}:${JSON.stringify({ user_id: 'someone-else' })}`);
        c.send({ event: 'pusher:subscribe', data: { channel: ch, auth: `${APP.key}:${signedForOther}`, channel_data: channelData } });
        const reply = await c.expect((f) => f.channel === ch);
        assert.equal(reply.event, 'pusher:subscription_error');
        assert.equal(reply.dataParsed.status, 401);
    });

    test('encrypted channel: pusher-js decrypts an event the SDK encrypted; the server sees ciphertext only', T, async () => {
        const ch = uniq('private-encrypted-');
        const client = await connectPusher(server);
        const channel = await subscribe(client, ch);
        const spy = await connectRaw(server);
        // a raw subscriber (authorised, but without the shared secret) sees what the server relays
        assert.equal((await spy.subscribe(server, ch)).event, 'pusher_internal:subscription_succeeded');
        const from = spy.frames.length;
        const got = nextEvent(channel, 'classified');
        await sdk(server, { encryption: true }).trigger(ch, 'classified', { secret: 'swordfish', n: 7 });
        assert.deepEqual(await got, { secret: 'swordfish', n: 7 });
        const relayed = await spy.expect((f) => f.event === 'classified', { from });
        const payload = relayed.dataParsed;
        assert.equal(typeof payload.ciphertext, 'string');
        assert.equal(typeof payload.nonce, 'string');
        assert.ok(!relayed.rawFrame?.includes?.('swordfish'));
        assert.ok(!spy.rawFrames.some((r) => r.includes('swordfish')), 'plaintext never crosses the server');
    });

    test('cache channel: pusher:cache_miss when nothing was published', T, async () => {
        const ch = uniq('cache-empty-');
        const c = await connectRaw(server);
        const reply = await c.subscribe(server, ch);
        assert.equal(reply.event, 'pusher_internal:subscription_succeeded');
        const miss = await c.expect((f) => f.event === 'pusher:cache_miss' && f.channel === ch);
        assert.equal(miss.channel, ch);
        // pusher-js surfaces it as a channel event
        const client = await connectPusher(server);
        const channel = client.subscribe(uniq('cache-empty2-'));
        await nextEvent(channel, 'pusher:cache_miss');
    });

    test('cache channel: a late subscriber gets the last event right after subscribing', T, async () => {
        const ch = uniq('cache-last-');
        await trigger(server, ch, 'price', { v: 1 });
        await trigger(server, ch, 'price', { v: 2 });
        const c = await connectRaw(server);
        const reply = await c.subscribe(server, ch);
        assert.equal(reply.event, 'pusher_internal:subscription_succeeded');
        const last = await c.expect((f) => f.event === 'price' && f.channel === ch);
        assert.deepEqual(last.dataParsed, { v: 2 });
        assert.ok(!c.frames.some((f) => f.event === 'pusher:cache_miss'));
        // pusher-js on a private cache channel
        const pch = uniq('private-cache-');
        await trigger(server, pch, 'state', { s: 'on' });
        const client = await connectPusher(server);
        const channel = client.subscribe(pch);
        assert.deepEqual(await nextEvent(channel, 'state'), { s: 'on' });
    });

    test('many channels on one socket and many events in order', T, async () => {
        const c = await connectRaw(server);
        const ch = uniq('order-');
        await c.subscribe(server, ch);
        const from = c.frames.length;
        const n = 30;
        for (let i = 0; i < n; i++) await trigger(server, ch, 'seq', { i });
        const got = await eventually(() => {
            const list = c.frames.slice(from).filter((f) => f.event === 'seq');
            return list.length === n ? list : null;
        }, 8000, `${n} events`);
        assert.deepEqual(got.map((f) => f.dataParsed.i), [...Array(n).keys()]);
    });

    test('pusher-js resubscribes after its connection is re-established', T, async () => {
        const ch = uniq('resub-');
        const client = await connectPusher(server);
        const channel = await subscribe(client, ch);
        const events = collectEvents(channel, 'again');
        client.disconnect();
        client.connect();
        await withTimeout(new Promise((r) => client.connection.bind('connected', r)), 5000, 'reconnected');
        await eventually(async () => {
            const r = await rest(server, { path: `/apps/${APP.id}/channels/${ch}` });
            return r.json?.subscription_count === 1;
        }, 5000, 'resubscribed');
        await trigger(server, ch, 'again', { ok: true });
        await eventually(() => events.length === 1, 3000, 'event after reconnect');
        assert.deepEqual(events[0], { ok: true });
    });
});
