// SPDX-License-Identifier: GPL-3.0-or-later
// The brokers the cluster tests run on: a private redis-server or nats-server (free loopback port, no
// persistence). Each is { name, skip (false or why), start() → { port, stop() }, env(handle, prefix, extra) }.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { freePort, raceTimeout, sleep } from './harness.mjs';

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

export const redisBroker = {
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
};

export const natsBroker = {
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
};
