// SPDX-License-Identifier: GPL-3.0-or-later
// WebSocket frames made by hand over a plain TCP socket, for what `ws` will not send (unmasked frames,
// text split inside a UTF-8 sequence) and for reading exactly what the server answers.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** One frame. mask: a 4-byte Buffer, or null for an unmasked frame. */
export function frame({ opcode = 1, fin = true, payload = Buffer.alloc(0), mask = Buffer.from([1, 2, 3, 4]) }) {
    const data = Buffer.from(payload);
    const length = data.length;
    const extended = length < 126 ? 0 : length < 65536 ? 2 : 8;
    const header = Buffer.alloc(2 + extended + (mask ? 4 : 0));
    header[0] = (fin ? 0x80 : 0) | opcode;
    header[1] = (mask ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
    if (extended === 2) header.writeUInt16BE(length, 2);
    if (extended === 8) header.writeBigUInt64BE(BigInt(length), 2);
    if (mask) {
        mask.copy(header, 2 + extended);
        for (let i = 0; i < length; i++) data[i] ^= mask[i % 4];
    }
    return Buffer.concat([header, data]);
}

/** Parses the server's (unmasked) frames out of `bytes`: [{opcode, fin, payload}]. */
export function parseFrames(bytes) {
    const frames = [];
    let at = 0;
    while (at + 2 <= bytes.length) {
        const opcode = bytes[at] & 0x0f;
        const fin = (bytes[at] & 0x80) !== 0;
        let length = bytes[at + 1] & 0x7f;
        let offset = at + 2;
        if (length === 126) {
            if (offset + 2 > bytes.length) break;
            length = bytes.readUInt16BE(offset);
            offset += 2;
        } else if (length === 127) {
            if (offset + 8 > bytes.length) break;
            length = Number(bytes.readBigUInt64BE(offset));
            offset += 8;
        }
        if (offset + length > bytes.length) break;
        frames.push({ opcode, fin, payload: bytes.subarray(offset, offset + length) });
        at = offset + length;
    }
    return frames;
}

/**
 * Upgrades a plain TCP connection on /app/{key} and waits for pusher:connection_established.
 * Returns {socket, frames(), closeFrame(), ended, reset()}: frames() parses everything received after
 * the 101 answer; closeFrame() is {code, reason} of the server's close frame, or null.
 */
export async function openRawTcp(port, key) {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
    });
    let received = Buffer.alloc(0);
    let wasReset = false;
    socket.on('data', (d) => (received = Buffer.concat([received, d])));
    socket.on('error', (e) => (wasReset = wasReset || e.code === 'ECONNRESET'));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    socket.write(
        `GET /app/${key}?protocol=7 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const body = () => {
        const end = received.indexOf('\r\n\r\n');
        return end < 0 ? Buffer.alloc(0) : received.subarray(end + 4);
    };
    const frames = () => parseFrames(body());
    for (let waited = 0; !frames().some((f) => f.payload.includes('connection_established')); waited += 10) {
        if (waited > 5000) throw new Error(`no connection_established: ${received}`);
        await sleep(10);
    }
    const closeFrame = () => {
        const close = frames().find((f) => f.opcode === 8);
        return close ? { code: close.payload.readUInt16BE(0), reason: close.payload.subarray(2).toString() } : null;
    };
    return { socket, frames, closeFrame, ended, reset: () => wasReset, received: () => received };
}
