#!/usr/bin/env node
// A tiny HTTP service for trying Chimera: every answer is JSON naming the version that served it, and a few
// environment knobs make a version slow, flaky, crashy or never ready. Plain Node ESM, no dependencies.
import http from 'node:http';

/** Reads a numeric knob; a malformed value is a startup error, not a silent default. */
function num(name, fallback, { min = 0, max = Number.POSITIVE_INFINITY } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    console.error(`sample-service: ${name}=${raw} is not a number in [${min}, ${max}]`);
    process.exit(2);
  }
  return value;
}

const port = num('PORT', 8080, { min: 0, max: 65535 });
const host = process.env.HOST || '127.0.0.1';
const version = process.env.VERSION || 'dev';
const errorRate = num('ERROR_RATE', 0, { max: 1 });
const latencyMs = num('LATENCY_MS', 0);
const jitterMs = num('LATENCY_JITTER_MS', 0);
const crashAfter = num('CRASH_AFTER', 0);
const startupDelayMs = num('STARTUP_DELAY_MS', 0);
const failReadiness = ['1', 'true', 'yes'].includes((process.env.FAIL_READINESS || '').toLowerCase());

// A seeded generator (mulberry32) so a given SEED gives the same sequence of errors and delays on every run;
// the default seed still differs per version so two versions do not fail in lockstep.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function hash(text) {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}
const random = mulberry32(process.env.SEED ? hash(process.env.SEED) : hash(`${version}:${port}`));

let served = 0;

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  // Drain the body so keep-alive connections stay usable.
  req.resume();
  if (req.url === '/healthz' || req.url?.startsWith('/healthz?')) {
    if (failReadiness) send(res, 503, { version, ready: false });
    else send(res, 200, { version, ready: true });
    return;
  }
  served += 1;
  const crashNow = crashAfter > 0 && served >= crashAfter;
  const fail = random() < errorRate;
  const delay = latencyMs + (jitterMs > 0 ? random() * jitterMs : 0);
  const answer = () => {
    if (fail) send(res, 500, { version, error: 'injected failure' });
    else send(res, 200, { version });
    if (crashNow) {
      console.error(`sample-service ${version}: crashing after ${served} requests (CRASH_AFTER=${crashAfter})`);
      // Let the answer leave before dying, so the crash is visible as a crash and not as a reset.
      res.on('finish', () => process.exit(1));
    }
  };
  if (delay > 0) setTimeout(answer, delay);
  else answer();
});

server.keepAliveTimeout = 65_000;

function shutdown(signal) {
  console.error(`sample-service ${version}: ${signal}, closing`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

setTimeout(() => {
  server.on('error', (err) => {
    console.error(`sample-service ${version}: cannot listen on ${host}:${port}: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, host, () => {
    const address = server.address();
    console.log(`sample-service ${version} listening on ${host}:${address.port}`);
  });
}, startupDelayMs);
