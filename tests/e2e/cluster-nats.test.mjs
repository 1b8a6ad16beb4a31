// SPDX-License-Identifier: GPL-3.0-or-later
// §8 horizontal scaling with the NATS adapter: the cluster suite (lib/cluster-suite.mjs) over a private
// nats-server (free loopback port), exactly as over Redis.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { clusterSuite } from './lib/cluster-suite.mjs';
import { freePort, raceTimeout, sleep } from './lib/harness.mjs';

// Debian installs it in /usr/sbin, outside a normal user's PATH.
const NATS =
    process.env.NATS_SERVER_BINARY || (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');

function haveNats() {
    try {
        execFileSync(NATS, ['--version'], { stdio: 'ignore' });
        return true;
    } catch {
        return false;
    }
}

// A NATS server greets every client with an INFO line.
function natsGreets(port) {
    return new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.on('data', (d) => {
            s.destroy();
            resolve(String(d).startsWith('INFO'));
        });
        s.on('error', () => resolve(false));
        setTimeout(() => {
            s.destroy();
            resolve(false);
        }, 1000).unref();
    });
}

async function startNats() {
    const port = await freePort();
    const proc = spawn(NATS, ['--addr', '127.0.0.1', '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise((resolve) => proc.on('exit', resolve));
    for (let i = 0; i < 100; i++) {
        if (await natsGreets(port)) {
            return {
                port,
                async stop() {
                    proc.kill('SIGTERM');
                    if (!(await raceTimeout(exited.then(() => true), 5000))) proc.kill('SIGKILL');
                },
            };
        }
        await sleep(50);
    }
    proc.kill('SIGKILL');
    throw new Error('nats-server did not start');
}

clusterSuite({
    name: 'NATS',
    skip: !haveNats() && 'nats-server not installed',
    start: startNats,
    env: (nats, prefix, extra = {}) => ({
        SOKETI_ADAPTER_DRIVER: 'nats',
        SOKETI_ADAPTER_NATS_SERVERS: JSON.stringify([`127.0.0.1:${nats.port}`]),
        SOKETI_ADAPTER_NATS_PREFIX: prefix,
        SOKETI_ADAPTER_NATS_REQUESTS_TIMEOUT: '2000',
        ...extra,
    }),
});
