// Every page of the web app at phone width (390 px), in headless Debian Chromium driven by
// playwright-core against a real `smsflow serve`: no page may scroll sideways
// (`document.documentElement.scrollWidth <= innerWidth`), and the check names each page that does.
//
// The pages are not listed here by hand: they are every GET route of the table in
// crates/smsflow-server/src/web/roles.rs (ROUTES), read from the source, with each path parameter
// filled with a real id from data the spec makes first (a workflow that opens a ticket and saves a
// record, conversations through the simulator, a version, a replay, an agent's routing rule, a
// canned reply, an invitation and a password-reset link). A GET route the spec does not know how
// to fill, or that is not one of the few named non-pages (files, fragments, the event stream),
// fails the spec by name, so a new page cannot be forgotten.
//
//   SMSFLOW_BIN=target/debug/smsflow node tests/e2e/phone_width.spec.mjs
//
// Env: see browser.mjs.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  apiClient, browserTest, check, createAdmin, signIn,
} from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROLES_RS = path.resolve(here, '../../crates/smsflow-server/src/web/roles.rs');
const PHONE = { width: 390, height: 844 };

/// GET routes that are not pages a person opens, with why.
const NOT_PAGES = {
  '/assets/{file}': 'a stylesheet or script',
  '/conversations/list': 'the inbox list fragment, checked inside /conversations',
  '/conversations/events': 'the live inbox event stream',
  '/conversations/{id}/messages': 'the thread fragment, checked inside /conversations/{id}',
  '/collections/{name}/export.csv': 'a CSV download',
  '/opt-outs.csv': 'a CSV download',
};
/// Pages seen signed out (signed in, they redirect elsewhere).
const SIGNED_OUT = ['/setup', '/login', '/invite/{token}', '/reset-password/{token}'];

/// Every GET route in ROUTES, as written in roles.rs.
function getRoutes() {
  const source = readFileSync(ROLES_RS, 'utf8');
  const table = source.slice(source.indexOf('pub const ROUTES'), source.indexOf('];'));
  return [...table.matchAll(/\(\s*"GET",\s*"([^"]+)"/g)].map((match) => match[1]);
}

await browserTest(async ({ base, env, page }) => {
  const routes = getRoutes();
  check(routes.length > 30, `roles.rs ROUTES has ${routes.length} GET routes`);

  check(createAdmin(env).status === 0, 'smsflow admin create made the owner');
  const { json: api } = apiClient(env, base);

  // Data, so that lists, threads and records are not empty.
  const workflow = await api('POST', '/workflows', {
    name: 'Broken orders and long names that wrap on a phone',
    goal: 'help_desk_support',
    active: true,
    context: 'Apologise, open a ticket and tell them its number.',
    steps: [
      { type: 'extract_information', fields: 'email' },
      { type: 'create_support_ticket', priority: 'high' },
      { type: 'save_to_database', table: 'callbacks' },
    ],
  });
  const texted = await api('POST', '/simulator/messages', {
    from: '+15551239876',
    body: 'My order arrived broken, please help: ada.lovelace.with.a.long.address@example-clinic.com',
  });
  await api('POST', '/simulator/messages', { from: '+15551239877', body: 'Do you open on Sundays?' });
  const ticket = (await api('GET', '/tickets')).items[0];
  const version = (await api('GET', '/workflows/versions')).items[0];
  const replay = await api('POST', '/workflows/replays', { draft: false });
  const agent = (await api('GET', '/agents')).items[0];
  const rule = await api('POST', '/routing-rules', { position: 10, agent_id: agent.id, conditions: {} });
  check(ticket && version && replay.id && rule.id, 'a ticket, a version, a replay and a routing rule exist');

  await signIn(page, base, '/workflows');
  await page.goto(`${base}/canned-replies`);
  await page.getByLabel('Title').fill('Opening hours');
  await page.getByLabel('Text').fill('We are open Monday to Friday, 9 to 5, and Saturdays 9 to 1.');
  await page.getByRole('button', { name: 'Save canned reply' }).click();
  await page.getByText('Opening hours').first().waitFor();
  await page.goto(`${base}/users`);
  await page.getByLabel('Email').fill('agent@example.com');
  await page.getByLabel('Role', { exact: true }).selectOption('agent');
  await page.getByRole('button', { name: 'Make an invitation link' }).click();
  const invite = new URL(await page.locator('#new-link').inputValue()).pathname;
  await page.getByRole('button', { name: /Make a password-reset link for/ }).first().click();
  const reset = new URL(await page.locator('#new-link').inputValue()).pathname;
  check(invite.startsWith('/invite/') && reset.startsWith('/reset-password/'), 'an invitation and a reset link exist');

  // The id a route's `{id}` means: the conversation, ticket, replay... its path names.
  const ids = [
    ['/conversations/', texted.conversation_id], ['/tickets/', ticket.number],
    ['/workflows/replay/', replay.id], ['/workflows/', workflow.id], ['/agents/', agent.id],
    ['/routing-rules/', rule.id],
  ];
  const fill = (route) => {
    if (route === '/invite/{token}') return invite;
    if (route === '/reset-password/{token}') return reset;
    const values = {
      id: ids.find(([prefix]) => route.startsWith(prefix))?.[1],
      name: 'callbacks',
      number: String(version.number),
    };
    return route.replace(/\{(\w+)\}/g, (whole, param) => {
      if (!values[param]) throw new Error(`phone_width.spec.mjs does not know what to put for ${whole} in GET ${route}: teach fill()`);
      return values[param];
    });
  };

  const pages = routes.filter((route) => !(route in NOT_PAGES));
  check(Object.keys(NOT_PAGES).every((route) => routes.includes(route)),
    'every route skipped as not a page is still in ROUTES');
  const wide = [];
  const failed = [];
  const measure = async (browserPage, route, target) => {
    const response = await browserPage.goto(`${base}${target}`);
    if (!response.ok()) failed.push(`${route} (${target}: ${response.status()})`);
    const [scroll, inner] = await browserPage.evaluate(() => [
      document.documentElement.scrollWidth, window.innerWidth]);
    if (scroll > inner) wide.push(`${route} (${scroll} px > ${inner} px)`);
  };
  await page.setViewportSize(PHONE);
  for (const route of pages.filter((r) => !SIGNED_OUT.includes(r))) await measure(page, route, fill(route));
  await measure(page, '/nope', '/nope');
  const notFound = failed.pop();
  check(notFound?.startsWith('/nope (/nope: 404)'), 'an unknown address answers the 404 page, measured too');

  // Signed out, in a second browser (no shared cookies).
  const other = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const outside = await (await other.newContext({ viewport: PHONE })).newPage();
    outside.setDefaultTimeout(15_000);
    for (const route of SIGNED_OUT) await measure(outside, route, fill(route));
  } finally {
    await other.close();
  }

  check(failed.length === 0, `every page opened${failed.length ? `; these did not: ${failed.join(', ')}` : ''}`);
  check(wide.length === 0,
    `at 390 px none of the ${pages.length + 1} pages scrolls sideways${wide.length ? `; these do: ${wide.join(', ')}` : ''}`);
});
