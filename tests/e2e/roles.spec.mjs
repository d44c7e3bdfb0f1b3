// Users and roles as people use them, in headless Debian Chromium driven by playwright-core against
// a real `smsflow serve`: the owner invites an agent; the invitation opens in a second browser (a
// separate context, no shared cookies), where the agent chooses a password and lands in the inbox;
// the agent's navigation has no workflows, users or API keys, and opening the workflow editor or
// the API keys page answers the 403 page; the link works once. The owner then makes a read-only
// API key in the web app, shown once, which may read but not write.
//
//   SMSFLOW_BIN=target/debug/smsflow node tests/e2e/roles.spec.mjs
//
// Env: see browser.mjs.
import { chromium } from 'playwright-core';
import { browserTest, check, createAdmin, screenshot, signIn } from './browser.mjs';

await browserTest(async ({ base, env, page }) => {
  check(createAdmin(env).status === 0, 'smsflow admin create made the first account (the owner)');
  await signIn(page, base);

  // The owner invites an agent.
  await page.goto(`${base}/users`);
  check(await page.locator('select[id^="role-"]').first().inputValue() === 'owner',
    'the first account is the owner');
  await page.getByLabel('Email').fill('agent@example.com');
  await page.getByLabel('Role', { exact: true }).selectOption('agent');
  await page.getByRole('button', { name: 'Make an invitation link' }).click();
  const link = await page.locator('#new-link').inputValue();
  check(/\/invite\/[A-Za-z0-9_-]{40,}$/.test(link), `the invitation link is shown once: ${link.replace(/[^/]+$/, '…')}`);
  await screenshot(page, 'users');
  const invitation = `${base}${new URL(link).pathname}`;

  // A second browser: the invited person.
  const other = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const agentContext = await other.newContext({ viewport: { width: 1280, height: 900 } });
    const agent = await agentContext.newPage();
    agent.setDefaultTimeout(15_000);
    await agent.goto(invitation);
    check(await agent.getByRole('heading', { name: 'Join smsflow' }).isVisible(), 'the invitation opens in a second browser');
    check(await agent.getByLabel('Email').inputValue() === 'agent@example.com', 'it names the invited address');
    await agent.getByLabel('Password', { exact: true }).fill('agent password here');
    await agent.getByLabel('Password again').fill('agent password here');
    await agent.getByRole('button', { name: 'Create account and sign in' }).click();
    await agent.waitForURL(`${base}/conversations`);
    check(true, 'accepting signs the agent in and opens the inbox');

    const nav = agent.getByRole('navigation', { name: 'Main' });
    const links = await nav.getByRole('link').allTextContents();
    // The inbox link carries its unread count ("Inbox 0 unread").
    check(links.some((link) => link.startsWith('Inbox')) && links.includes('Tickets'), `the agent's navigation has the inbox and tickets (${links.join(', ')})`);
    check(!links.includes('SMS Workflows') && !links.includes('Users') && !links.includes('API keys') && !links.includes('Agents'),
      'and no workflows, agents, users or API keys');

    const editor = await agent.goto(`${base}/workflows/new`);
    check(editor.status() === 403, `the workflow editor answers 403 to an agent (${editor.status()})`);
    check(await agent.getByRole('heading', { name: 'Not allowed' }).isVisible(), 'on the styled 403 page');
    check((await agent.locator('main').textContent()).includes('needs the admin role or higher; you are signed in as an agent'),
      'which says the role needed and the agent\'s');
    check(await nav.getByRole('link', { name: 'Inbox' }).isVisible(), 'with the navigation');
    await screenshot(agent, 'forbidden');
    const existing = await agent.goto(`${base}/workflows`);
    check(existing.status() === 403, 'the workflow list answers 403 too');
    const keys = await agent.goto(`${base}/api-keys`);
    check(keys.status() === 403, 'the API keys page (where keys are created) answers 403 to an agent');
    // Even a well-formed form (with the agent's own CSRF token) cannot create a key.
    const csrf = await agent.locator('form.logout input[name="csrf"]').inputValue();
    const keyPost = await agent.request.post(`${base}/api-keys`,
      { form: { csrf, name: 'sneaky', scope: 'full' }, maxRedirects: 0 });
    check(keyPost.status() === 403 && (await keyPost.text()).includes('needs the admin role'),
      `posting a new API key is refused with the 403 page (${keyPost.status()})`);

    // The link works once.
    const reused = await agent.goto(invitation);
    check(reused.status() === 404 && (await agent.locator('main').textContent()).includes('expired or was used already'),
      'the invitation link works once');
    await agentContext.close();
  } finally {
    await other.close();
  }

  // The owner makes a read-only API key in the web app.
  await page.goto(`${base}/api-keys`);
  await page.getByLabel('Name').fill('reports');
  await page.getByLabel('Read-only').check();
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = await page.locator('#new-key').inputValue();
  check(secret.startsWith('sfk_'), 'the new key is shown once');
  const read = await fetch(`${base}/api/v1/workflows`, { headers: { authorization: `Bearer ${secret}` } });
  check(read.status === 200, 'the read-only key reads');
  const write = await fetch(`${base}/api/v1/workflows`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: '{}',
  });
  const problem = await write.json();
  check(write.status === 403 && problem.detail.includes('read-only'), `and may not write: ${problem.detail}`);
  await page.goto(`${base}/api-keys`);
  check(!(await page.content()).includes(secret), 'the list never shows the secret again');
  await page.getByRole('button', { name: 'Revoke the key reports' }).click();
  await page.waitForURL(/notice=revoked/);
  const revoked = await fetch(`${base}/api/v1/workflows`, { headers: { authorization: `Bearer ${secret}` } });
  check(revoked.status === 401, 'a revoked key gets 401');
});
