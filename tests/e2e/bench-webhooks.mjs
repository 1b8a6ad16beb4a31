// SPDX-License-Identifier: GPL-3.0-or-later
// Measurement, not a test (docs/webhooks.md § Measured): webhook delivery latency one event at a time and
// in a burst, and what happens at the per-app queue bound with a hanging endpoint.
//   cd tests/e2e && QSOKETI_BINARY=../../build/app/qsoketi node bench-webhooks.mjs
import http from 'node:http';
import { connectRaw, startServer, sleep, eventually } from './lib/harness.mjs';

const pct = (a, p) => a.slice().sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))];
let mode = 'ok';
const held = [];
const arrivals = [];
const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
        const now = Date.now();
        const parsed = JSON.parse(body);
        arrivals.push({ now, time: parsed.time_ms, n: parsed.events.length });
        if (mode === 'hang') return held.push(res);
        res.writeHead(200);
        res.end('{}');
    });
});
await new Promise((r) => srv.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${srv.address().port}/h`;
const rss = async (server) => {
    const u = await (await fetch(server.metricsUrl('/usage'))).json();
    return Math.round(u.memory.used / 1048576);
};
const metric = async (server, name) => {
    const text = await (await fetch(server.metricsUrl('/metrics'))).text();
    const line = text.split('\n').find((l) => l.startsWith(name));
    return line ? Number(line.split(' ').pop()) : undefined;
};

{
    const server = await startServer({ env: { SOKETI_METRICS_ENABLED: 'true', SOKETI_DEFAULT_APP_WEBHOOKS: JSON.stringify([{ url, event_types: ['channel_occupied'] }]) } });
    const c = await connectRaw(server);
    // 1. One at a time: event (time_ms) to arrival at the receiver.
    for (let i = 0; i < 500; i++) {
        c.send({ event: 'pusher:subscribe', data: { channel: `lat-${i}` } });
        await sleep(4);
    }
    await eventually(() => arrivals.length === 500, 20000, 'all');
    const lat = arrivals.map((a) => a.now - a.time);
    console.log(`sequential 500: event→arrival p50 ${pct(lat, 0.5)} ms p95 ${pct(lat, 0.95)} ms p99 ${pct(lat, 0.99)} ms max ${Math.max(...lat)} ms`);
    // 2. A burst of 5000 events at once.
    arrivals.length = 0;
    const t0 = Date.now();
    const burst = [];
    for (let k = 0; k < 5; k++) burst.push(await connectRaw(server));
    for (let i = 0; i < 5000; i++) burst[i % 5].send({ event: 'pusher:subscribe', data: { channel: `burst-${i}` } });
    await eventually(() => arrivals.length === 5000, 60000, 'burst');
    const took = Date.now() - t0;
    const lat2 = arrivals.map((a) => a.now - a.time);
    console.log(`burst 5000: all delivered in ${took} ms (${Math.round(5000 / (took / 1000))}/s); event→arrival p50 ${pct(lat2, 0.5)} p95 ${pct(lat2, 0.95)} p99 ${pct(lat2, 0.99)} max ${Math.max(...lat2)} ms`);
    console.log(`histogram count ${await metric(server, 'soketi_webhook_delivery_seconds_count')} sum ${await metric(server, 'soketi_webhook_delivery_seconds_sum')}`);
    await server.stop();
}
{
    // 3. The queue bound: the endpoint hangs, 30000 events arrive (default bound 10000).
    mode = 'hang';
    arrivals.length = 0;
    const server = await startServer({ env: { SOKETI_METRICS_ENABLED: 'true', SOKETI_WEBHOOKS_TIMEOUT: '600000', SOKETI_DEFAULT_APP_WEBHOOKS: JSON.stringify([{ url, event_types: ['channel_occupied'] }]) } });
    const many = [];
    for (let k = 0; k < 30; k++) many.push(await connectRaw(server));
    const before = await rss(server);
    const t0 = Date.now();
    for (let i = 0; i < 30000; i++) many[i % 30].send({ event: 'pusher:subscribe', data: { channel: `q-${i}` } });
    await eventually(async () => (await metric(server, 'soketi_webhook_dropped_total')) === 19994, 60000, 'drops');
    const fill = Date.now() - t0;
    const after = await rss(server);
    console.log(`hanging endpoint, 30000 events: queue_length ${await metric(server, 'soketi_webhook_queue_length')}, dropped ${await metric(server, 'soketi_webhook_dropped_total')} in ${fill} ms; RSS ${before} → ${after} MiB; queue-full log lines: ${server.log().split('\n').filter((l) => l.includes('queue full')).length}`);
    const pong = Date.now();
    const ws = await connectRaw(server);
    console.log(`a new connection while full: established in ${Date.now() - pong} ms`);
    mode = 'ok';
    const t1 = Date.now();
    for (const res of held.splice(0)) { res.writeHead(200); res.end('{}'); }
    await eventually(async () => (await metric(server, 'soketi_webhook_queue_length')) === 0, 120000, 'drained');
    console.log(`released: 10006 deliveries drained in ${Date.now() - t1} ms; delivered ${await metric(server, 'soketi_webhook_deliveries_total{app_id="app-id",outcome="delivered"')}`);
    ws.close();
    await server.stop();
}
srv.close();
process.exit(0);
