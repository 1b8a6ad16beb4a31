// SPDX-License-Identifier: GPL-3.0-or-later
// §8 horizontal scaling with the Redis adapter: the cluster suite (lib/cluster-suite.mjs) over a private
// redis-server (free loopback port, no persistence).
import { redisBroker } from './lib/brokers.mjs';
import { clusterSuite } from './lib/cluster-suite.mjs';

clusterSuite(redisBroker);
