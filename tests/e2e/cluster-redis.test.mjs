// SPDX-License-Identifier: GPL-3.0-or-later
// §8 horizontal scaling with the Redis adapter: the cluster suite (lib/cluster-suite.mjs) over a private
// redis-server (free loopback port, no persistence).
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import { clusterSuite } from './lib/cluster-suite.mjs';
import { freePort, raceTimeout, sleep } from './lib/harness.mjs';

const REDIS = process.env.REDIS_SERVER_BINARY || 'redis-server';

function haveRedis() {
    try {
        execFileSync(REDIS, ['--version'], { stdio: 'ignore' });
        return true;
    } catch {
        return false;
    }
}

function redisPing(port) {
    return new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
        let buf = '';
        s.on('data', (d) => {
            buf += d;
            if (buf.includes('\r\n')) {
                s.destroy();
                resolve(buf.startsWith('+PONG'));
            }
        });
        s.on('error', () => resolve(false));
        setTimeout(() => {
            s.destroy();
            resolve(false);
        }, 1000).unref();
    });
}

async function startRedis() {
    const port = await freePort();
    const proc = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise((resolve) => proc.on('exit', resolve));
    for (let i = 0; i < 100; i++) {
        if (await redisPing(port)) {
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
    throw new Error('redis-server did not start');
}

clusterSuite({
    name: 'Redis',
    skip: !haveRedis() && 'redis-server not installed',
    start: startRedis,
    env: (redis, prefix, extra = {}) => ({
        SOKETI_ADAPTER_DRIVER: 'redis',
        SOKETI_DB_REDIS_HOST: '127.0.0.1',
        SOKETI_DB_REDIS_PORT: String(redis.port),
        SOKETI_ADAPTER_REDIS_PREFIX: prefix,
        SOKETI_ADAPTER_REDIS_REQUESTS_TIMEOUT: '2000',
        ...extra,
    }),
});
