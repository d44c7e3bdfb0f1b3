// The live inbox with two people at once, in headless Debian Chromium (two browsers, each signed in
// as its own admin) against a real `smsflow serve`: texts sent through the simulator's pipeline
// appear without reloading in the list of one and in the open thread (and its list) of the other,
// over the Server-Sent Events stream; the unread count follows in the navigation and the tab
// title; the search finds a part of a number. Then every page is checked at phone width (390 px)
// for horizontal scrolling.
//
//   SMSFLOW_BIN=$CARGO_TARGET_DIR/debug/smsflow node tests/e2e/live_inbox.spec.mjs
//
// Env: see browser.mjs.
import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import {
  apiClient, bin, browserTest, check, createAdmin, PASSWORD, screenshot, signIn,
} from './browser.mjs';

const FIRST = '+15550102030';
const SECOND = '+15550107777';
const COLLEAGUE = 'grace@example.com';

/// The live stream is connected on this page (app.js marks it), so changes come from it rather
/// than from the 10-second fallback polling.
async function live(page) {
  await page.waitForFunction(() => document.documentElement.dataset.live === 'open');
}

await browserTest(async ({ base, env, page }) => {
  check(createAdmin(env).status === 0, 'smsflow admin create made the first admin');
  const colleague = spawnSync(bin, ['admin', 'create', '--email', COLLEAGUE, '--password-stdin'],
    { env, input: `${PASSWORD}\n`, encoding: 'utf8' });
  check(colleague.status === 0, 'and a second admin for a colleague');
  const { json: api } = apiClient(env, base);
  const text = (from, body) => api('POST', '/simulator/messages', { from, body });
  await api('POST', '/workflows', {
    name: 'Front desk',
    goal: 'help_desk_support',
    active: true,
    steps: [{ type: 'extract_information', fields: 'email' }],
  });
  const first = await text(FIRST, 'Is the clinic open on Saturday?');

  // The colleague, in a browser of their own, opens that thread.
  const other = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const grace = await (await other.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    grace.setDefaultTimeout(15_000);
    await grace.goto(`${base}/login`);
    await grace.getByLabel('Email').fill(COLLEAGUE);
    await grace.getByLabel('Password').fill(PASSWORD);
    await grace.getByRole('button', { name: 'Sign in' }).click();
    await grace.waitForURL(`${base}/workflows`);
    await grace.goto(`${base}/conversations/${first.conversation_id}`);
    await signIn(page, base, '/conversations');
    await Promise.all([live(page), live(grace)]);
    await page.evaluate(() => { window.stillTheSamePage = true; });
    await grace.evaluate(() => { window.stillTheSamePage = true; });
    check(await grace.locator('#inbox-list a[aria-current="page"]').getByText(FIRST).isVisible(),
      'on a wide screen the colleague sees the list beside the open thread, that conversation marked');

    // A new conversation appears in the first person's list and in the colleague's.
    await text(SECOND, 'My kitchen sink is leaking');
    const newRow = page.locator('#inbox-list li').filter({ hasText: SECOND });
    await newRow.waitFor();
    check(await newRow.getByText('1 unread').isVisible(), 'a new conversation appears in the list, unread, without reloading');
    await grace.locator('#inbox-list li').filter({ hasText: SECOND }).waitFor();
    check(true, "and in the colleague's list beside the thread");
    await page.waitForFunction(() => /^\(\d+\) Inbox/.test(document.title));
    check(await page.locator('#nav-unread').isVisible(), 'the unread count shows on the Inbox link and in the tab title');

    // A new text in the open thread appears in the colleague's thread.
    await text(FIRST, 'Also, can I bring my dog?');
    await grace.locator('#messages .message.in').filter({ hasText: 'bring my dog' }).waitFor();
    check(true, 'the new text appears in the open thread without reloading');
    await page.locator('#inbox-list li').filter({ hasText: FIRST }).filter({ hasText: 'bring my dog' }).waitFor();
    check(true, "the first person's list shows it as the conversation's last message");
    check(await page.evaluate(() => window.stillTheSamePage === true)
      && await grace.evaluate(() => window.stillTheSamePage === true), 'neither page was reloaded');
    const time = grace.locator('#messages time').last();
    check((await time.getAttribute('title')).endsWith(' UTC'), 'message times show the UTC time on hover');
    await screenshot(grace, 'inbox-two-panes');
    await grace.close();
  } finally {
    await other.close();
  }

  // Search by a part of the number, as typed.
  await page.getByLabel('Search').fill('555-0107');
  await page.getByRole('button', { name: 'Apply' }).click();
  check(await page.locator('#inbox-list li').count() === 1
    && await page.locator('#inbox-list li').getByText(SECOND).isVisible(),
  'searching "555-0107" finds the one conversation whose number contains it');

  // Phone width: no page scrolls sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  const pages = ['/workflows', '/workflows/new', '/workflows/draft', '/workflows/history',
    '/workflows/replay', '/workflows/draft/tests', '/conversations',
    `/conversations/${first.conversation_id}`, '/agents', '/agents/new', '/tickets',
    '/collections', '/opt-outs', '/audit', '/dashboard', '/nope'];
  const wide = [];
  for (const path of pages) {
    await page.goto(`${base}${path}`);
    const [scroll, client] = await page.evaluate(() => [
      document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]);
    if (scroll > client) wide.push(`${path} (${scroll} > ${client} px)`);
  }
  check(wide.length === 0, `at 390 px no page scrolls sideways${wide.length ? `: ${wide.join(', ')}` : ''}`);
  await page.goto(`${base}/conversations/${first.conversation_id}`);
  check(!(await page.locator('#inbox-list').isVisible()) && await page.getByRole('link', { name: '← Inbox' }).isVisible(),
    'on a phone the thread is shown alone, with a link back to the inbox');
  await screenshot(page, 'inbox-phone-thread');
});
