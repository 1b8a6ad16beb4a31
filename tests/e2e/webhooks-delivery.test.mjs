// SPDX-License-Identifier: GPL-3.0-or-later
// Webhooks as Pusher delivers them (issue 14), with a real receiver on 127.0.0.1 that can answer 200 or
// 500, hang, or be stopped and started again: a page reload sends no webhook and a real leave exactly one
// after the 3 s delay; an endpoint down for 20 s gets its delivery afterwards (attempts in the delivery
// log); a hanging endpoint does not delay another app's webhooks; replay re-sends with a valid signature;
// the metrics move exactly; a full queue drops the oldest, counted. qsoketi only (soketi has none of it).
import { after, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
    APP,
    closeAllClients,
    connectPusher,
    connectRaw,
    eventually,
    isReferenceServer,
    sdk,
    sleep,
    startServer,
    subscribe,
} from './lib/harness.mjs';

const skip = (isReferenceServer() || !process.env.QSOKETI_BINARY) && 'qsoketi only: leave delay, retries, delivery log';
const servers = [];
const receivers = [];

/** A webhook endpoint. mode(path) decides each answer: 'ok', 'fail' (500), 'hang'. stop()/start() on one port. */
async function startReceiver(port = 0) {
    const deliveries = [];
    const modes = new Map();
    const hanging = [];
    let srv;
    const handler = (req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c) => (body += c));
        req.on('end', () => {
            const mode = modes.get(req.url) ?? 'ok';
            let events = [];
            try {
                events = JSON.parse(body).events ?? [];
            } catch {
                // not JSON: recorded as is
            }
            deliveries.push({ path: req.url, headers: req.headers, rawBody: body, events, at: Date.now(), mode });
            if (mode === 'hang') {
                hanging.push(res);
                return;
            }
            res.writeHead(mode === 'fail' ? 500 : 200, { 'content-type': 'application/json' });
            res.end('{}');
        });
    };
    const listen = (p) =>
        new Promise((resolve) => {
            srv = http.createServer(handler);
            srv.listen(p, '127.0.0.1', resolve);
        });
    await listen(port);
    const receiver = {
        deliveries,
        modes,
        port: srv.address().port,
        url: (p) => `http://127.0.0.1:${receiver.port}${p}`,
        events: (p) => deliveries.filter((d) => !p || d.path === p).flatMap((d) => d.events.map((e) => ({ ...e, at: d.at }))),
        async stop() {
            for (const res of hanging.splice(0)) res.destroy();
            srv.closeAllConnections?.();
            await new Promise((r) => srv.close(r));
        },
        start: () => listen(receiver.port),
    };
    receivers.push(receiver);
    return receiver;
}

async function start(env, args = []) {
    const server = await startServer({ env, args });
    servers.push(server);
    return server;
}

/** GET or POST on the metrics port from this machine, as an operator's curl would (no Origin header). */
function admin(server, method, pathAndQuery) {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: server.metricsPort, path: pathAndQuery, method }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode, json: text ? JSON.parse(text) : undefined, text }));
        });
        req.on('error', reject);
        req.end();
    });
}

async function metric(server, name, labels) {
    const text = await (await fetch(server.metricsUrl('/metrics'))).text();
    const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    for (const line of text.split('\n')) {
        if (!line.startsWith(`${name}{`)) continue;
        if (want.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return undefined;
}

const hooks = (url, types) => JSON.stringify([{ url, event_types: types }]);

describe('webhooks as Pusher delivers them', { skip }, () => {
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        for (const s of servers) await s.stop();
        for (const r of receivers) await r.stop().catch(() => {});
    });

    test('a page reload sends no webhook; a real leave sends one after the 3 s delay', { timeout: 30000 }, async () => {
        const receiver = await startReceiver();
        const server = await start({
            SOKETI_DEFAULT_APP_WEBHOOKS: hooks(receiver.url('/h'), ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed']),
        }); // the default delay: 3000 ms
        const presence = () => ({ user_id: 'reloader', user_info: { name: 'R' } });
        const first = await connectPusher(server, { presence });
        await subscribe(first, 'presence-page');
        await eventually(() => receiver.events().length === 2, 5000, 'occupied and member_added');
        assert.deepEqual(receiver.events().map((e) => e.name).sort(), ['channel_occupied', 'member_added']);

        first.disconnect(); // reload: the old page goes, the new one connects a moment later
        await sleep(500);
        const second = await connectPusher(server, { presence });
        await subscribe(second, 'presence-page');
        await sleep(4000);
        assert.equal(receiver.events().length, 2, `a reload sent ${JSON.stringify(receiver.events().slice(2))}`);

        const leftAt = Date.now();
        second.disconnect();
        await eventually(() => receiver.events().length === 4, 8000, 'member_removed and channel_vacated');
        const left = receiver.events().slice(2);
        assert.deepEqual(left.map((e) => e.name), ['member_removed', 'channel_vacated']);
        assert.equal(String(left[0].user_id), 'reloader');
        for (const e of left) assert.ok(e.at - leftAt >= 2900, `sent ${e.at - leftAt} ms after the leave`);
        await sleep(1000);
        assert.equal(receiver.events().length, 4, 'exactly one of each');
        for (const d of receiver.deliveries) assert.ok(sdk(server).webhook({ headers: d.headers, rawBody: d.rawBody }).isValid());
    });

    test('an endpoint stopped for 20 s gets the delivery afterwards; the log shows every attempt', { timeout: 60000 }, async () => {
        const receiver = await startReceiver();
        const server = await start({
            SOKETI_DEFAULT_APP_WEBHOOKS: hooks(receiver.url('/down'), ['channel_occupied']),
            SOKETI_WEBHOOKS_RETRY_MAX_DELAY: '4000', // the default 60 s cap would make this test minutes long
        });
        await receiver.stop(); // connection refused from now on
        const stoppedAt = Date.now();
        const c = await connectRaw(server);
        await c.subscribe(server, 'while-down');
        await sleep(20000);
        await receiver.start();
        await eventually(() => receiver.events('/down').length === 1, 10000, 'the delivery after the restart');
        assert.ok(Date.now() - stoppedAt >= 20000);
        assert.equal(receiver.events('/down')[0].channel, 'while-down');
        assert.ok(sdk(server).webhook({ headers: receiver.deliveries[0].headers, rawBody: receiver.deliveries[0].rawBody }).isValid());

        const { status, json } = await admin(server, 'GET', `/webhooks/deliveries?app_id=${APP.id}`);
        assert.equal(status, 200);
        const d = await eventually(
            async () => (await admin(server, 'GET', '/webhooks/deliveries')).json.deliveries.find((x) => x.outcome === 'delivered'),
            3000,
            'a delivered record',
        );
        assert.ok(json.deliveries.length >= 1);
        assert.ok(d.attempt_count >= 5, `attempts: ${d.attempt_count}`);
        assert.equal(d.attempts.at(-1).status, 200);
        assert.ok(d.attempts.slice(0, -1).every((a) => !a.status && a.error), JSON.stringify(d.attempts));
        assert.equal(d.url, receiver.url('/down'));
        assert.deepEqual(d.events, [{ name: 'channel_occupied', channel: 'while-down' }]);
        assert.ok(d.total_ms >= 20000);
    });

    test("a hanging endpoint does not delay another app's webhooks; replay re-signs; metrics move exactly", { timeout: 40000 }, async () => {
        const receiver = await startReceiver();
        receiver.modes.set('/hang', 'hang');
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qsoketi-hooks-'));
        const config = path.join(dir, 'config.json');
        const slow = { id: 'slow-app', key: 'slow-key', secret: 'slow-secret' };
        const fast = { id: 'fast-app', key: 'fast-key', secret: 'fast-secret' };
        fs.writeFileSync(config, JSON.stringify({
            'metrics.enabled': true,
            'appManager.array.apps': [
                { ...slow, webhooks: [{ url: receiver.url('/hang'), event_types: ['channel_occupied'] }] },
                { ...fast, webhooks: [{ url: receiver.url('/ok'), event_types: ['channel_occupied'] }] },
            ],
        }));
        const server = await start({}, ['--config', config]);
        const slowClient = await connectRaw(server, { key: slow.key });
        for (let i = 0; i < 30; i++) slowClient.send({ event: 'pusher:subscribe', data: { channel: `s${i}` } });
        await eventually(() => receiver.deliveries.filter((d) => d.path === '/hang').length >= 6, 5000, 'hanging requests');

        const fastClient = await connectRaw(server, { key: fast.key });
        const sentAt = Date.now();
        for (let i = 0; i < 10; i++) fastClient.send({ event: 'pusher:subscribe', data: { channel: `f${i}` } });
        await eventually(() => receiver.events('/ok').length === 10, 5000, "the other app's 10 webhooks");
        const took = Math.max(...receiver.events('/ok').map((e) => e.at)) - sentAt;
        assert.ok(took < 1000, `the other app's webhooks took ${took} ms`);

        const labels = { app_id: fast.id };
        assert.equal(await metric(server, 'soketi_webhook_deliveries_total', { ...labels, outcome: 'delivered' }), 10);
        assert.equal(await metric(server, 'soketi_webhook_attempts_total', labels), 10);
        assert.equal(await metric(server, 'soketi_webhook_retries_total', labels), 0);
        assert.equal(await metric(server, 'soketi_webhook_queue_length', labels), 0);
        assert.equal(await metric(server, 'soketi_webhook_delivery_seconds_count', labels), 10);
        assert.equal(await metric(server, 'soketi_webhook_queue_length', { app_id: slow.id }), 30);
        assert.equal(await metric(server, 'soketi_webhook_attempts_total', { app_id: slow.id }), 6); // its 6 connections

        // Replay one of the fast app's deliveries: the same events, a new signature the SDK accepts.
        const list = (await admin(server, 'GET', `/webhooks/deliveries?app_id=${fast.id}&limit=1`)).json.deliveries;
        assert.equal(list.length, 1);
        const replayed = await admin(server, 'POST', `/webhooks/replay?id=${list[0].id}`);
        assert.equal(replayed.status, 202);
        await eventually(() => receiver.events('/ok').length === 11, 5000, 'the replay');
        const [original, again] = [
            receiver.deliveries.filter((d) => d.path === '/ok').find((d) => d.events[0].channel === list[0].events[0].channel),
            receiver.deliveries.at(-1),
        ];
        assert.deepEqual(again.events, original.events);
        assert.notEqual(again.headers['x-pusher-signature'], original.headers['x-pusher-signature']);
        assert.ok(sdk(server, { app: fast }).webhook({ headers: again.headers, rawBody: again.rawBody }).isValid());
        await eventually(
            async () => (await metric(server, 'soketi_webhook_deliveries_total', { ...labels, outcome: 'delivered' })) === 11,
            3000,
            'the replay counted',
        );
        // A page on another site can neither read the log nor replay.
        const fromPage = await fetch(server.metricsUrl('/webhooks/deliveries'), { headers: { origin: 'https://evil.test' } });
        assert.equal(fromPage.status, 403);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    test('a full queue drops the oldest, counted and logged', { timeout: 30000 }, async () => {
        const receiver = await startReceiver();
        receiver.modes.set('/hang', 'hang');
        const server = await start({
            SOKETI_METRICS_ENABLED: 'true',
            SOKETI_DEFAULT_APP_WEBHOOKS: hooks(receiver.url('/hang'), ['channel_occupied']),
            SOKETI_WEBHOOKS_MAX_QUEUE_PER_APP: '20',
        });
        const c = await connectRaw(server);
        for (let i = 0; i < 100; i++) c.send({ event: 'pusher:subscribe', data: { channel: `q${i}` } });
        await eventually(async () => (await metric(server, 'soketi_webhook_dropped_total', { app_id: APP.id })) === 74, 5000, '74 dropped');
        assert.equal(await metric(server, 'soketi_webhook_queue_length', { app_id: APP.id }), 26); // 6 on the wire + 20
        await eventually(() => /webhook queue full \(20 pending\), dropped the oldest \d+ deliveries/.test(server.log()), 3000, 'the log line');
        const dropped = (await admin(server, 'GET', '/webhooks/deliveries?outcome=dropped&limit=1000')).json.deliveries;
        assert.equal(dropped.length, 74);
        assert.equal(dropped.at(-1).events[0].channel, 'q6'); // the oldest waiting went first
    });
});
