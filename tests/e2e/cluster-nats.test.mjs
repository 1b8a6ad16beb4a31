// SPDX-License-Identifier: GPL-3.0-or-later
// §8 horizontal scaling with the NATS adapter: the cluster suite (lib/cluster-suite.mjs) over a private
// nats-server (free loopback port), exactly as over Redis.
import { natsBroker } from './lib/brokers.mjs';
import { clusterSuite } from './lib/cluster-suite.mjs';

clusterSuite(natsBroker);
