'use strict';
// Demo app for prodready.webstack. Small on purpose: each route exists to prove one property of
// the stack (health checks, compression, caching, sticky-free sessions, crash recovery).
const os = require('node:os');
const crypto = require('node:crypto');
const path = require('node:path');
const express = require('express');
const session = require('express-session');

const PORT = Number.parseInt(process.env.PORT || '3000', 10);
const INSTANCE = `${os.hostname()}:${PORT}`;

function log(level, msg, fields = {}) {
  // One JSON object per line on stdout: journald stores it, nothing buffers or blocks on files.
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, instance: INSTANCE, ...fields })}\n`);
}

// No swallowed exceptions: log, then exit non-zero so systemd restarts a clean process.
process.on('uncaughtException', (err) => {
  log('fatal', 'uncaught exception', { error: err.stack || String(err) });
  process.exit(1);
});
process.on('unhandledRejection', (err) => {
  log('fatal', 'unhandled rejection', { error: (err && err.stack) || String(err) });
  process.exit(1);
});

function sessionStore() {
  const { REDIS_URL, REDIS_SENTINELS, REDIS_MASTER_NAME, REDIS_PASSWORD, REDIS_USERNAME, REDIS_SENTINEL_PASSWORD } =
    process.env;
  if (!REDIS_URL && !REDIS_SENTINELS) {
    log('warn', 'REDIS_URL/REDIS_SENTINELS not set: sessions live in process memory (one instance only, lost on restart)');
    return undefined;
  }
  const Redis = require('ioredis');
  const RedisStore = require('connect-redis').default;
  const auth = {};
  if (REDIS_PASSWORD) auth.password = REDIS_PASSWORD;
  if (REDIS_USERNAME) auth.username = REDIS_USERNAME;
  let client;
  if (REDIS_SENTINELS) {
    // "host1:26379,host2:26379"
    const sentinels = REDIS_SENTINELS.split(',').map((s) => {
      const [host, port] = s.trim().split(':');
      return { host, port: Number.parseInt(port || '26379', 10) };
    });
    const sentinelPassword = REDIS_SENTINEL_PASSWORD || auth.password;
    client = new Redis({ sentinels, name: REDIS_MASTER_NAME || 'mymaster', sentinelPassword, ...auth });
  } else {
    // Parse the URL here: ioredis lets a URL without a password ("redis://user@host", as
    // session_store publishes it) override the password option with an empty one.
    const url = new URL(REDIS_URL);
    client = new Redis({
      host: url.hostname,
      port: Number.parseInt(url.port || '6379', 10),
      db: Number.parseInt(url.pathname.slice(1) || '0', 10),
      username: decodeURIComponent(url.username) || undefined,
      password: decodeURIComponent(url.password) || undefined,
      tls: url.protocol === 'rediss:' ? {} : undefined,
      ...auth,
    });
  }
  client.on('error', (err) => log('error', 'redis error', { error: err.message }));
  log('info', 'sessions stored in redis', { mode: REDIS_SENTINELS ? 'sentinel' : 'url' });
  return new RedisStore({ client, prefix: 'sess:' });
}

const app = express();
app.disable('x-powered-by');
app.set('trust proxy', 'loopback, uniquelocal');

app.use((req, res, next) => {
  const started = process.hrtime.bigint();
  const requestId = req.get('X-Request-ID') || crypto.randomUUID();
  res.set('X-Request-ID', requestId);
  res.set('X-Instance', INSTANCE);
  res.on('finish', () => {
    log('info', 'request', {
      request_id: requestId,
      method: req.method,
      path: req.originalUrl,
      status: res.statusCode,
      ip: req.ip,
      ms: Number(process.hrtime.bigint() - started) / 1e6,
    });
  });
  next();
});

app.get('/healthz', (req, res) => {
  res.set('Cache-Control', 'no-store');
  res.json({ status: 'ok', instance: INSTANCE, uptime: process.uptime() });
});

app.get('/whoami', (req, res) => {
  res.set('Cache-Control', 'no-store');
  res.json({ instance: INSTANCE, hostname: os.hostname(), port: PORT, pid: process.pid, node_env: process.env.NODE_ENV });
});

app.get('/cacheable', (req, res) => {
  res.set('Cache-Control', 'public, max-age=30');
  res.json({ instance: INSTANCE, generated: new Date().toISOString() });
});

const ITEMS = Array.from({ length: 300 }, (_, i) => ({
  id: i + 1,
  name: `Item number ${i + 1}`,
  description: 'A demo item with a description long enough to make the JSON worth compressing.',
  tags: ['demo', 'express', 'prodready'],
}));
app.get('/api/items', (req, res) => res.json({ instance: INSTANCE, count: ITEMS.length, items: ITEMS }));

const ROWS = ITEMS.map((i) => `<tr><td>${i.id}</td><td>${i.name}</td><td>${i.description}</td></tr>`).join('\n');
app.get('/', (req, res) => {
  res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>express-demo</title>
<link rel="stylesheet" href="/css/app.css"><script defer src="/app.3f9c2b1a.js"></script></head>
<body><h1>express-demo</h1><p>Served by <code>${INSTANCE}</code></p>
<table><thead><tr><th>id</th><th>name</th><th>description</th></tr></thead><tbody>
${ROWS}
</tbody></table></body></html>`);
});

let sessionMiddleware;
app.get('/session', (req, res, next) => {
  sessionMiddleware(req, res, (err) => {
    if (err) return next(err);
    req.session.count = (req.session.count || 0) + 1;
    res.set('Cache-Control', 'no-store');
    return res.json({ count: req.session.count, instance: INSTANCE });
  });
});

if (process.env.DEMO_ALLOW_CRASH === '1') {
  app.get('/crash', () => {
    setImmediate(() => {
      throw new Error('crash requested through /crash');
    });
  });
}

// Static files last: nginx serves them in production; this is the fallback.
app.use(express.static(path.join(__dirname, 'public'), { maxAge: '1h' }));

app.use((err, req, res, next) => {
  log('error', 'request failed', { error: err.stack || String(err) });
  if (res.headersSent) return next(err);
  return res.status(500).json({ error: 'internal error' });
});

const secret = process.env.SESSION_SECRET;
if (!secret) log('warn', 'SESSION_SECRET not set: using a random per-process secret (sessions break across instances)');
sessionMiddleware = session({
  store: sessionStore(),
  secret: secret || crypto.randomBytes(32).toString('hex'),
  name: 'sid',
  resave: false,
  saveUninitialized: true,
  proxy: true,
  cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: 3600 * 1000 },
});

const server = app.listen(PORT, () => log('info', 'listening', { port: PORT, node_env: process.env.NODE_ENV }));
server.keepAliveTimeout = 65 * 1000;
server.headersTimeout = 66 * 1000;

function shutdown(signal) {
  log('info', 'shutting down', { signal });
  server.close(() => process.exit(0));
  // Idle keep-alive connections (nginx keeps some open) would hold close() until they time out.
  server.closeIdleConnections?.();
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
