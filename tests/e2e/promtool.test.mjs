// SPDX-License-Identifier: GPL-3.0-or-later
// §6: `promtool check metrics` accepts a real /metrics scrape taken after traffic, in both naming
// styles; the only findings allowed are soketi's counter names without "_total" (kept for dashboards).
import { after, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
    closeAllClients,
    connectPusher,
    nextEvent,
    startServer,
    subscribe,
    trigger,
} from './lib/harness.mjs';

const PROMTOOL = process.env.PROMTOOL_BINARY || '/usr/bin/promtool';
const T = { timeout: 60000 };
const LEGACY_COUNTERS = [
    'socket_received_bytes',
    'socket_transmitted_bytes',
    'http_received_bytes',
    'http_transmitted_bytes',
    'horizontal_adapter_resolved_promises',
    'horizontal_adapter_uncomplete_promises',
    'horizontal_adapter_sent_requests',
    'horizontal_adapter_received_requests',
    'horizontal_adapter_received_responses',
];

function promtoolCheck(text) {
    return new Promise((resolve, reject) => {
        const proc = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let output = '';
        proc.stdout.on('data', (d) => (output += d));
        proc.stderr.on('data', (d) => (output += d));
        proc.on('error', reject);
        proc.on('exit', (code) => resolve({ code, output }));
        proc.stdin.end(text);
    });
}

async function scrapeAfterTraffic(server) {
    const a = await connectPusher(server);
    const b = await connectPusher(server);
    const channels = [await subscribe(a, 'promtool'), await subscribe(b, 'promtool')];
    const delivered = channels.map((c) => nextEvent(c, 'hello'));
    await trigger(server, 'promtool', 'hello', { text: 'quote " backslash \\ newline \n' });
    await Promise.all(delivered);
    const res = await fetch(server.metricsUrl('/metrics'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    return res.text();
}

describe('promtool check metrics on a real scrape', { skip: !existsSync(PROMTOOL) && `${PROMTOOL} not installed` }, () => {
    let server;
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    for (const portInName of [false, true]) {
        test(portInName ? 'port-in-name style (soketi_<port>_*)' : 'soketi 1.6 style (port label)', T, async () => {
            await server?.stop();
            server = await startServer({
                env: {
                    SOKETI_METRICS_ENABLED: '1',
                    ...(portInName ? { SOKETI_METRICS_PROMETHEUS_PORT_IN_NAME: '1' } : {}),
                },
            });
            const prefix = portInName ? `soketi_${server.port}_` : 'soketi_';
            const text = await scrapeAfterTraffic(server);

            assert.match(text, new RegExp(`^${prefix}connected\\{app_id="app-id",port="${server.port}"\\} 2$`, 'm'));
            assert.match(text, new RegExp(`^${prefix}http_calls_received_total\\{app_id="app-id",port="${server.port}"\\} 1$`, 'm'));
            assert.match(text, new RegExp(`^${prefix}process_resident_memory_bytes\\{port="${server.port}"\\} \\d+$`, 'm'));
            assert.match(text, new RegExp(`^# TYPE ${prefix}eventloop_lag_seconds gauge$`, 'm'));

            const { code, output } = await promtoolCheck(text);
            assert.ok(code === 0 || code === 3, `promtool exit ${code}: ${output}`);
            const problems = output.split('\n').filter(Boolean).sort();
            const allowed = LEGACY_COUNTERS.map((n) => `${prefix}${n} counter metrics should have "_total" suffix`).sort();
            assert.deepEqual(problems, allowed);
        });
    }

    test('promtool does reject a broken exposition (the check can fail)', T, async () => {
        const { code } = await promtoolCheck('# TYPE a gauge\na{l="unterminated} 1\n');
        assert.equal(code, 1);
    });
});
