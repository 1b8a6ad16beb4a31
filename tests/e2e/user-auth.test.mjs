// SPDX-License-Identifier: GPL-3.0-or-later
// §4.8 user authentication: pusher-js signin() with an SDK authenticateUser endpoint, the sign-in
// timeout (4009), sendToUser, terminateUserConnections; §4.9 watchlist online/offline events.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    APP,
    canSpawn,
    closeAllClients,
    connectPusher,
    connectRaw,
    hmac,
    nextEvent,
    sdk,
    sleep,
    startServer,
    withTimeout,
} from './lib/harness.mjs';

const T = { timeout: 20000 };
const AUTH_TIMEOUT_MS = 1500;
let seq = 0;
const uniqUser = (name) => `${name}-${process.pid}-${++seq}`;

async function signedIn(client, ms = 5000) {
    client.signin();
    await withTimeout(client.user.signinDonePromise, ms, 'pusher-js signin');
    assert.ok(client.user.user_data, 'signin_success received');
    return client;
}

function rawSignin(server, c, userData) {
    const signed = sdk(server).authenticateUser(c.socketId, userData);
    const from = c.frames.length;
    c.send({ event: 'pusher:signin', data: signed });
    return from;
}

describe('user authentication', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    let server;
    before(async () => {
        server = await startServer({
            env: {
                SOKETI_DEFAULT_APP_USER_AUTHENTICATION: 'true',
                SOKETI_USER_AUTHENTICATION_TIMEOUT: String(AUTH_TIMEOUT_MS),
                SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'true',
            },
        });
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('a socket that does not sign in is closed with pusher:error 4009 after the timeout', T, async () => {
        const started = Date.now();
        const c = await connectRaw(server);
        const err = await c.expect('pusher:error', { ms: AUTH_TIMEOUT_MS + 4000 });
        assert.equal(err.dataParsed.code, 4009);
        const closed = await c.closed;
        assert.equal(closed.code, 4009);
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= AUTH_TIMEOUT_MS - 200, `closed after ${elapsed} ms, timeout ${AUTH_TIMEOUT_MS}`);
    });

    test('pusher-js signin() with an SDK authenticateUser handler succeeds and keeps the socket', T, async () => {
        const id = uniqUser('alice');
        const client = await connectPusher(server, { user: { id, user_info: { name: 'Alice' } } });
        await signedIn(client);
        assert.equal(client.user.user_data.id, id);
        assert.deepEqual(client.user.user_data.user_info, { name: 'Alice' });
        await sleep(AUTH_TIMEOUT_MS + 500);
        assert.equal(client.connection.state, 'connected', 'signed-in socket survives the timeout');
    });

    test('raw signin: signin_success echoes user_data and auth', T, async () => {
        const id = uniqUser('raw');
        const c = await connectRaw(server);
        const userData = { id, extra: [1, 2] };
        const from = rawSignin(server, c, userData);
        const ok = await c.expect('pusher:signin_success', { from });
        const data = ok.dataParsed;
        assert.deepEqual(JSON.parse(data.user_data), userData);
        assert.match(data.auth, new RegExp(`^${APP.key}:[0-9a-f]{64}$`));
    });

    test('a private subscription also counts as authenticated', T, async () => {
        const c = await connectRaw(server);
        const reply = await c.subscribe(server, `private-keepalive-${process.pid}`);
        assert.equal(reply.event, 'pusher_internal:subscription_succeeded');
        await sleep(AUTH_TIMEOUT_MS + 500);
        assert.ok(c.isOpen, 'socket with a private subscription is not closed');
        assert.ok(!c.frames.some((f) => f.event === 'pusher:error'));
    });

    test('signin with a bad signature: 4009 and closed', T, async () => {
        const c = await connectRaw(server);
        const userData = JSON.stringify({ id: 'mallory' });
        c.send({ event: 'pusher:signin', data: { user_data: userData, auth: `${APP.key}:${hmac('bad', `${c.socketId}::user::${userData}`)}` } });
        const err = await c.expect('pusher:error');
        assert.equal(err.dataParsed.code, 4009);
        assert.equal((await c.closed).code, 4009);
    });

    test('signin without an id in user_data: 4009 and closed', T, async () => {
        const c = await connectRaw(server);
        const userData = JSON.stringify({ name: 'no id' });
        c.send({ event: 'pusher:signin', data: { user_data: userData, auth: `${APP.key}:${hmac(APP.secret, `${c.socketId}::user::${userData}`)}` } });
        const err = await c.expect('pusher:error');
        assert.equal(err.dataParsed.code, 4009);
        assert.equal((await c.closed).code, 4009);
    });

    test('sendToUser reaches every signed-in socket of that user and nobody else', T, async () => {
        const id = uniqUser('bob');
        const other = uniqUser('carol');
        const b1 = await signedIn(await connectPusher(server, { user: { id } }));
        const b2 = await signedIn(await connectPusher(server, { user: { id } }));
        const c1 = await signedIn(await connectPusher(server, { user: { id: other } }));
        const stray = [];
        c1.user.bind('notice', (d) => stray.push(d));
        const got1 = nextEvent(b1.user, 'notice');
        const got2 = nextEvent(b2.user, 'notice');
        // pusher-js subscribes to #server-to-user-<id> after signin; give that frame time to land
        await sleep(200);
        await sdk(server).sendToUser(id, 'notice', { text: 'for bob' });
        assert.deepEqual(await got1, { text: 'for bob' });
        assert.deepEqual(await got2, { text: 'for bob' });
        await sleep(200);
        assert.deepEqual(stray, []);
    });

    test('sendToUser reaches a raw signed-in socket without any subscription', T, async () => {
        const id = uniqUser('raw-target');
        const c = await connectRaw(server);
        const from = rawSignin(server, c, { id });
        await c.expect('pusher:signin_success', { from });
        await sdk(server).sendToUser(id, 'direct', { v: 42 });
        const f = await c.expect((x) => x.event === 'direct', { from });
        assert.equal(f.channel, `#server-to-user-${id}`);
        assert.deepEqual(f.dataParsed, { v: 42 });
    });

    test('#server-to-user-<id>: pusher-js subscribes after signin; other sockets cannot listen in', T, async () => {
        // qsoketi decision: '#' channels are reserved; only the signed-in user may join its own.
        const id = uniqUser('private-person');
        const client = await signedIn(await connectPusher(server, { user: { id } }));
        const own = client.user.serverToUserChannel;
        assert.ok(own, 'pusher-js created the server-to-user channel');
        if (!own.subscribed) await nextEvent(own, 'pusher:subscription_succeeded');
        assert.equal(own.subscribed, true);
        const spy = await connectRaw(server);
        await spy.subscribe(server, `private-keepalive-spy-${process.pid}`);
        const reply = await spy.subscribe(server, `#server-to-user-${id}`);
        assert.equal(reply.event, 'pusher:subscription_error');
        const from = spy.frames.length;
        await sdk(server).sendToUser(id, 'private-note', { secret: 1 });
        await spy.expectNone((f) => f.event === 'private-note', { from, ms: 300 });
    });

    test('terminateUserConnections closes that user\'s sockets with 4009, others stay', T, async () => {
        const id = uniqUser('dave');
        const d1 = await connectRaw(server);
        const d2 = await connectRaw(server);
        const e1 = await connectRaw(server);
        for (const [sock, uid] of [[d1, id], [d2, id], [e1, uniqUser('erin')]]) {
            const from = rawSignin(server, sock, { id: uid });
            await sock.expect('pusher:signin_success', { from });
        }
        const res = await sdk(server).terminateUserConnections(id);
        assert.equal(res.status, 200);
        for (const sock of [d1, d2]) {
            const err = await sock.expect('pusher:error');
            assert.equal(err.dataParsed.code, 4009);
            assert.equal((await sock.closed).code, 4009);
        }
        assert.ok(e1.isOpen, 'another user is not affected');
    });

    test('pusher-js: terminateUserConnections disconnects the signed-in client', T, async () => {
        const id = uniqUser('frank');
        const client = await signedIn(await connectPusher(server, { user: { id } }));
        const closed = withTimeout(
            new Promise((resolve) => client.connection.bind('state_change', (s) => s.current !== 'connected' && resolve(s.current))),
            5000,
            'pusher-js leaving connected',
        );
        await sdk(server).terminateUserConnections(id);
        const state = await closed;
        assert.notEqual(state, 'connected');
    });
});

describe('watchlist', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    let server;
    before(async () => {
        server = await startServer({
            env: { SOKETI_DEFAULT_APP_USER_AUTHENTICATION: 'true', SOKETI_USER_AUTHENTICATION_TIMEOUT: '60000' },
        });
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('pusher-js user.watchlist gets online and offline events for watched users', T, async () => {
        const watched = uniqUser('watched');
        const watcher = await signedIn(
            await connectPusher(server, { user: { id: uniqUser('watcher'), watchlist: [watched, 'never-online'] } }),
        );
        const online = nextEvent(watcher.user.watchlist, 'online', 5000);
        const target = await signedIn(await connectPusher(server, { user: { id: watched } }));
        const on = await online;
        assert.equal(on.name, 'online');
        assert.deepEqual(on.user_ids, [watched]);

        const offline = nextEvent(watcher.user.watchlist, 'offline', 5000);
        target.disconnect();
        const off = await offline;
        assert.equal(off.name, 'offline');
        assert.deepEqual(off.user_ids, [watched]);
    });

    test('raw frames: pusher_internal:watchlist_events format; two sockets of a user = one online/offline', T, async () => {
        const w2 = uniqUser('w2');
        const watcher = await connectRaw(server);
        const from = rawSignin(server, watcher, { id: uniqUser('watcher'), watchlist: [w2] });
        await watcher.expect('pusher:signin_success', { from });
        const mark = watcher.frames.length;
        const b1 = await connectRaw(server);
        await b1.expect('pusher:signin_success', { from: rawSignin(server, b1, { id: w2 }) });
        const on = await watcher.expect('pusher_internal:watchlist_events', { from: mark });
        assert.deepEqual(on.dataParsed.events, [{ name: 'online', user_ids: [w2] }]);
        const b2 = await connectRaw(server);
        await b2.expect('pusher:signin_success', { from: rawSignin(server, b2, { id: w2 }) });
        await sleep(200);
        const onlines = watcher.frames.slice(mark).filter((f) => f.event === 'pusher_internal:watchlist_events');
        assert.equal(onlines.length, 1, 'a second socket of the same user is not a second online event');
        const mark2 = watcher.frames.length;
        b1.close();
        await b1.closed;
        await watcher.expectNone((f) => f.event === 'pusher_internal:watchlist_events', { from: mark2, ms: 400 });
        b2.close();
        const off = await watcher.expect('pusher_internal:watchlist_events', { from: mark2 });
        assert.deepEqual(off.dataParsed.events, [{ name: 'offline', user_ids: [w2] }]);
    });

    test('watched users already online are reported when the watcher signs in', T, async () => {
        const w1 = uniqUser('w1');
        const a = await connectRaw(server);
        await a.expect('pusher:signin_success', { from: rawSignin(server, a, { id: w1 }) });
        const watcher = await connectRaw(server);
        const from = rawSignin(server, watcher, { id: uniqUser('watcher'), watchlist: [w1, uniqUser('absent')] });
        await watcher.expect('pusher:signin_success', { from });
        const initial = await watcher.expect('pusher_internal:watchlist_events', { from });
        const onlineIds = initial.dataParsed.events.filter((e) => e.name === 'online').flatMap((e) => e.user_ids);
        assert.deepEqual(onlineIds, [w1]);
    });
});
