// SPDX-License-Identifier: GPL-3.0-or-later
// §6: a real Prometheus server (Debian's /usr/bin/prometheus) scrapes qsoketi's metrics port every
// second while pusher-js clients and the REST API make traffic; its query API must then show
// soketi_connected == live clients and counters that moved by exactly the traffic sent.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
    closeAllClients,
    connectPusher,
    eventually,
    freePort,
    nextEvent,
    rest,
    sleep,
    startServer,
    subscribe,
    trigger,
} from './lib/harness.mjs';

const PROMETHEUS = process.env.PROMETHEUS_BINARY || '/usr/bin/prometheus';
const T = { timeout: 90000 };
const K = 5; // pusher-js clients
const N = 3; // events triggered through the REST API

/** Starts Prometheus scraping 127.0.0.1:<metricsPort> every second; returns {query, targets, stop}. */
async function startPrometheus(metricsPort) {
    const dir = mkdtempSync(path.join(tmpdir(), 'qsoketi-prometheus-'));
    const webPort = await freePort();
    const config = path.join(dir, 'prometheus.yml');
    writeFileSync(
        config,
        [
            'global:',
            '  scrape_interval: 1s',
            '  evaluation_interval: 1s',
            'scrape_configs:',
            '  - job_name: qsoketi',
            '    static_configs:',
            `      - targets: ['127.0.0.1:${metricsPort}']`,
            '',
        ].join('\n'),
    );
    const proc = spawn(
        PROMETHEUS,
        [
            `--config.file=${config}`,
            `--storage.tsdb.path=${path.join(dir, 'data')}`,
            `--web.listen-address=127.0.0.1:${webPort}`,
            '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    proc.stdout.on('data', (d) => (log += d));
    proc.stderr.on('data', (d) => (log += d));
    const exited = new Promise((resolve) => proc.on('exit', resolve));
    const base = `http://127.0.0.1:${webPort}`;
    const api = async (p) => {
        const res = await fetch(base + p, { signal: AbortSignal.timeout(3000) });
        return res.json();
    };
    const handle = {
        log: () => log,
        /** The value of an instant query with exactly one series, else null. */
        async query(promql) {
            const answer = await api(`/api/v1/query?query=${encodeURIComponent(promql)}`);
            const result = answer?.data?.result ?? [];
            return result.length === 1 ? Number(result[0].value[1]) : null;
        },
        async targets() {
            return (await api('/api/v1/targets')).data.activeTargets;
        },
        async stop() {
            if (proc.exitCode === null && proc.signalCode === null) {
                proc.kill('SIGTERM');
                const done = await Promise.race([exited.then(() => true), sleep(10000).then(() => false)]);
                if (!done) proc.kill('SIGKILL');
            }
            rmSync(dir, { recursive: true, force: true });
        },
    };
    try {
        await eventually(
            async () => {
                if (proc.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
                try {
                    const res = await fetch(`${base}/-/ready`, { signal: AbortSignal.timeout(1000) });
                    return res.status === 200;
                } catch {
                    return false;
                }
            },
            30000,
            'prometheus /-/ready',
            100,
        );
    } catch (err) {
        await handle.stop();
        throw err;
    }
    return handle;
}

describe('prometheus scraping qsoketi', { skip: !existsSync(PROMETHEUS) && `${PROMETHEUS} not installed` }, () => {
    let server;
    let prom;
    before(async () => {
        server = await startServer({ env: { SOKETI_METRICS_ENABLED: '1' } });
        prom = await startPrometheus(server.metricsPort);
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await prom?.stop();
        await server?.stop();
    });

    // A counter's current value as Prometheus last scraped it (0 when the series does not exist yet).
    const value = async (name) => (await prom.query(`${name}{app_id="app-id"}`)) ?? 0;
    // Waits until Prometheus has scraped a value equal to `expected` (scrapes are 1 s apart).
    const scraped = (promql, expected) =>
        eventually(async () => (await prom.query(promql)) === expected, 20000, `${promql} == ${expected}`, 250);

    test('the target is up and scraped without error', T, async () => {
        await scraped('up{job="qsoketi"}', 1);
        const [target] = await prom.targets();
        assert.equal(target.health, 'up');
        assert.equal(target.lastError, '');
        assert.ok((await prom.query('soketi_process_resident_memory_bytes{port="' + server.port + '"}')) > 1e6);
        assert.ok((await prom.query('soketi_process_start_time_seconds')) <= Date.now() / 1000);
    });

    test('connected and the traffic counters move by exactly the traffic sent', T, async () => {
        await scraped('up{job="qsoketi"}', 1);
        // Baselines from a scrape taken while nothing happens.
        await sleep(1500);
        const before = {
            received: await value('soketi_ws_messages_received_total'),
            sent: await value('soketi_ws_messages_sent_total'),
            calls: await value('soketi_http_calls_received_total'),
            connections: await value('soketi_new_connections_total'),
            disconnections: await value('soketi_new_disconnections_total'),
        };

        const clients = [];
        for (let i = 0; i < K; i++) clients.push(await connectPusher(server));
        const channels = [];
        for (const client of clients) channels.push(await subscribe(client, 'metrics-e2e'));
        for (let e = 0; e < N; e++) {
            const delivered = channels.map((channel) => nextEvent(channel, 'tick'));
            await trigger(server, 'metrics-e2e', 'tick', { e });
            await Promise.all(delivered);
        }
        const list = await rest(server, { path: '/apps/app-id/channels' });
        assert.equal(list.status, 200);

        // Expected per spec §6.2: connection_established + subscription_succeeded + N events, per client;
        // one pusher:subscribe received per client; N triggers + 1 channel list are API calls.
        await scraped('soketi_connected{app_id="app-id"}', K);
        await scraped('soketi_ws_messages_received_total{app_id="app-id"}', before.received + K);
        await scraped('soketi_ws_messages_sent_total{app_id="app-id"}', before.sent + K * (2 + N));
        await scraped('soketi_http_calls_received_total{app_id="app-id"}', before.calls + N + 1);
        await scraped('soketi_new_connections_total{app_id="app-id"}', before.connections + K);
        assert.ok((await prom.query('soketi_process_open_fds')) >= K);

        // Churn: two clients leave; the gauge follows the live count.
        clients[0].disconnect();
        clients[1].disconnect();
        await scraped('soketi_connected{app_id="app-id"}', K - 2);
        await scraped('soketi_new_disconnections_total{app_id="app-id"}', before.disconnections + 2);
    });
});
