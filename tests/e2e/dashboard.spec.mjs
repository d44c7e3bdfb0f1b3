// The performance dashboard as a person uses it, in headless Debian Chromium driven by
// playwright-core against a real `smsflow serve`: too many wrong passwords are refused for a while;
// sign in, create a workflow through the form, text it through the simulator API (with a key from
// `smsflow api-key create`), read the counts on the dashboard, text more, reload and see them move;
// the list shows the matches too, and the page fits a phone.
//
//   SMSFLOW_BIN=target/debug/smsflow node tests/e2e/dashboard.spec.mjs
//
// Env: see browser.mjs.
import { spawnSync } from 'node:child_process';
import {
  EMAIL, PASSWORD, bin, browserTest, check, createAdmin, screenshot,
} from './browser.mjs';

await browserTest(async ({ base, env, page }) => {
  check(createAdmin(env).status === 0, 'smsflow admin create made the admin');
  const created = spawnSync(bin, ['api-key', 'create', '--name', 'e2e'], { env, encoding: 'utf8' });
  const key = created.stdout.trim().split('\n').pop();
  check(created.status === 0 && key.length > 20, 'smsflow api-key create printed a key');

  // Sign-in rate limiting: after five wrong passwords for an email, the sixth try is refused
  // (429) without checking the password, and the page says how long to wait.
  const signInAs = async (email, password) => {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${base}/login` && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    await page.waitForLoadState();
    return response;
  };
  await page.goto(`${base}/login`);
  const statuses = [];
  for (let i = 0; i < 5; i += 1) statuses.push((await signInAs('guess@example.com', `wrong ${i}`)).status());
  check(statuses.every((s) => s === 401), `five wrong passwords are each refused with 401 (${statuses})`);
  const limited = await signInAs('guess@example.com', 'wrong again');
  const message = await page.locator('.error').textContent();
  const wait = message.match(/Too many failed sign-in attempts\. Try again in (\d+) s\./)?.[1];
  check(limited.status() === 429 && wait && limited.headers()['retry-after'] === wait,
    `the sixth attempt is refused with 429 and Retry-After: "${message.trim()}"`);
  check((await signInAs(EMAIL, PASSWORD)).status() === 303, 'another email still signs in');
  await page.waitForURL(`${base}/workflows`);

  // A workflow, through the form.
  await page.goto(`${base}/workflows/new`);
  await page.getByLabel('Name', { exact: true }).fill('Lead capture');
  await page.getByLabel('Goal', { exact: true }).selectOption('lead_capture');
  await page.getByLabel(/^Active/).check();
  await page.getByLabel('Add a step').selectOption('extract_information');
  await page.getByRole('button', { name: 'Add step' }).click();
  await page.locator('#s0-fields').fill('name, email');
  await page.getByLabel('Add a step').selectOption('save_to_database');
  await page.getByRole('button', { name: 'Add step' }).click();
  await page.locator('#s1-table').fill('leads');
  await page.getByRole('button', { name: 'Save workflow' }).click();
  await page.waitForURL(/notice=created/);

  const sms = async (from, body) => {
    const response = await fetch(`${base}/api/v1/simulator/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from, body }),
    });
    if (!response.ok) throw new Error(`simulator: ${response.status} ${await response.text()}`);
  };
  const figure = async (id) => (await page.locator(`#${id}`).textContent()).trim();

  await sms('+14155550101', 'hi, I am interested in pricing');
  await sms('+14155550102', 'can I get a quote for 20 seats?');
  await page.getByRole('link', { name: 'Performance', exact: true }).click();
  await page.waitForURL(`${base}/dashboard`);
  check(await page.getByLabel('Workflow').locator('option:checked').textContent() === 'Lead capture',
    'the dashboard opens on the workflow');
  check(await figure('messages-matched') === '2', 'two messages matched');
  check(await figure('conversations') === '2', 'in two conversations');
  check((await figure('runs-completed')).startsWith('0') && await figure('runs-in-progress') === '2',
    'two runs in progress, none completed');
  check(await figure('fields-completion') === '0%', 'no field collected yet');

  // More messages: Dana completes her run; a third person texts.
  await sms('+14155550101', "I'm Dana, dana@bluefin.example");
  await sms('+14155550103', 'what is your pricing for a team?');
  await page.reload();
  check(await figure('messages-matched') === '4', 'after a reload, four messages matched');
  check(await figure('conversations') === '3', 'in three conversations');
  check((await figure('runs-completed')).startsWith('1') && await figure('runs-in-progress') === '2',
    'one run completed, two in progress');
  check(await figure('fields-completion') === '33%', 'two of the six fields asked for are collected');
  const funnel = await page.locator('#funnel-table tbody tr').allTextContents();
  check(funnel.some((row) => row.includes('Record saved') && row.includes('1')), `the funnel shows the saved record (${funnel.length} stages)`);
  const chart = page.locator('#chart-matched');
  check(await chart.getAttribute('role') === 'img'
    && (await chart.locator('desc').textContent()).includes('4 messages matched'),
  'the chart is an image with a title and a description giving the total');
  const today = new Date().toISOString().slice(0, 10);
  const cells = await page.locator('#days-table tbody tr', { hasText: today }).locator('td').allTextContents();
  check(cells[1] === '4' && cells[2] === '3' && cells[3] === '1',
    `the per-day table has today's counts: matched, runs started, completed (${cells.join(' | ')})`);
  await screenshot(page, 'dashboard', { fullPage: true });

  // A period before any message: zeros; a reversed one: an error next to the field.
  await page.getByLabel('From', { exact: true }).fill('2020-01-01');
  await page.getByLabel('To (included)').fill('2020-01-31');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/from=2020-01-01/);
  check(await figure('messages-matched') === '0', 'nothing matched in January 2020');
  await page.getByLabel('From', { exact: true }).fill('2020-02-01');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.locator('#from-error').waitFor();
  check((await page.locator('#from-error').textContent()).includes('before'),
    'a reversed period is explained next to From');

  // The list shows when each workflow last matched and how often this week.
  await page.getByRole('link', { name: 'SMS Workflows', exact: true }).click();
  const listRow = page.locator('table.workflows tbody tr', { hasText: 'Lead capture' });
  check((await listRow.locator('td[data-label="Matches, 7 days"]').textContent()).trim() === '4',
    'the SMS Workflows list shows 4 matches in the last 7 days');
  check((await listRow.locator('td[data-label="Last matched"]').textContent()).includes(today),
    'and that it last matched today');

  // On a phone the dashboard fits the screen: no sideways scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/dashboard`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `the dashboard fits a 390 px wide phone screen (overflow ${overflow} px)`);
});
