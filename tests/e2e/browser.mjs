// What every browser test needs: a real `smsflow serve` on loopback with a fresh SQLite data
// directory, headless Debian Chromium driven by playwright-core, sign-in, checks and screenshots.
//
// Env: SMSFLOW_BIN (default ../../target/debug/smsflow, or $CARGO_TARGET_DIR/debug/smsflow),
//      SMSFLOW_E2E_SCREENSHOTS (a directory to save page screenshots in, e.g. docs/screenshots),
//      CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
export const bin = process.env.SMSFLOW_BIN
  ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'debug', 'smsflow');
const shots = process.env.SMSFLOW_E2E_SCREENSHOTS;
export const EMAIL = 'owner@example.com';
export const PASSWORD = 'correct horse battery staple';

let passed = 0;
export function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
  passed += 1;
  console.log(`ok   ${what}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function screenshot(page, name, options = {}) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), ...options });
}

/// Runs `body({ base, env, work, page, context })` against a fresh server and browser, then stops
/// both and prints the tally; a failed check fails the process. `settings` adds environment
/// settings (`SMSFLOW_*`) to the server's.
export async function browserTest(body, settings = {}) {
  const work = mkdtempSync(path.join(tmpdir(), 'smsflow-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // Only what smsflow needs: a DATABASE_URL from the test suite must not point it at PostgreSQL.
  const env = {
    PATH: process.env.PATH,
    HOME: work,
    SMSFLOW_DATA_DIR: path.join(work, 'data'),
    // Keywords only: no model download in the background changing how texts route mid-test.
    SMSFLOW_MODEL: 'off',
    SMSFLOW_DATABASE_URL: `sqlite://${path.join(work, 'data', 'smsflow.db')}`,
    SMSFLOW_LISTEN: `127.0.0.1:${port}`,
    RUST_LOG: 'warn',
    ...settings,
  };
  let server;
  let context;
  try {
    server = spawn(bin, ['serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let serverLog = '';
    server.stderr.on('data', (chunk) => { serverLog += chunk; });
    let up = false;
    for (let i = 0; i < 150 && !up; i += 1) {
      try { up = (await fetch(`${base}/healthz`)).ok; } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    if (!up) throw new Error(`smsflow serve did not start on ${base}:\n${serverLog}`);

    context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    const page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(15_000);
    await body({ base, env, work, page, context });
    console.log(`${passed} passed, 0 failed${shots ? ` (screenshots in ${shots})` : ''}`);
  } catch (error) {
    console.error('FAIL', error);
    process.exitCode = 1;
  } finally {
    if (context) await context.close().catch(() => {});
    if (server) server.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

/// Creates the admin with the CLI, as an operator would.
export function createAdmin(env) {
  return spawnSync(bin, ['admin', 'create', '--email', EMAIL, '--password-stdin'],
    { env, input: `${PASSWORD}\n`, encoding: 'utf8' });
}

/// An API key made with the CLI, as an operator would, and calls of the REST API with it: `json`
/// answers the body (null for 204) and throws on an error status; `raw` answers `{ status, body }`,
/// for checking refusals.
export function apiClient(env, base) {
  const made = spawnSync(bin, ['api-key', 'create', '--name', 'e2e'], { env, encoding: 'utf8' });
  const key = made.stdout.trim().split('\n').pop();
  check(made.status === 0 && key.length > 20, 'smsflow api-key create made an API key');
  const call = (method, path, body) => fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  const parsed = (response) => (response.status === 204 ? null : response.json());
  return {
    key,
    json: async (method, path, body) => {
      const response = await call(method, path, body);
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return parsed(response);
    },
    raw: async (method, path, body) => {
      const response = await call(method, path, body);
      return { status: response.status, body: await parsed(response) };
    },
  };
}

/// Signs in through the sign-in page (the admin must exist) and lands on `next`.
export async function signIn(page, base, next = '/workflows') {
  await page.goto(`${base}${next}`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}${next}`);
}
