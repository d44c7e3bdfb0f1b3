// The operational pages as a person uses them, in headless Debian Chromium driven by playwright-core,
// against a real `smsflow serve` (fresh SQLite, admin and API key made with the CLI): a simulated SMS
// arrives, the agent's reply appears in the open inbox thread without reloading, the person takes
// over, replies by hand and hands back; changes a ticket's status; downloads a collection's CSV;
// adds an agent and a routing rule; sees the opt-outs.
//
//   SMSFLOW_BIN=$CARGO_TARGET_DIR/debug/smsflow node tests/e2e/inbox.spec.mjs
//
// Env: see browser.mjs.
import { readFileSync } from 'node:fs';
import {
  apiClient, browserTest, check, createAdmin, screenshot, signIn,
} from './browser.mjs';

const PHONE = '+15551230001';

await browserTest(async ({ base, env, page }) => {
  check(createAdmin(env).status === 0, 'smsflow admin create made the admin');
  const { json: api } = apiClient(env, base);
  const text = (from, body) => api('POST', '/simulator/messages', { from, body });

  await api('POST', '/workflows', {
    name: 'Support desk',
    goal: 'help_desk_support',
    active: true,
    context: 'Apologise, open a ticket and tell them its number.',
    steps: [
      { type: 'extract_information', fields: 'email' },
      { type: 'create_support_ticket', priority: 'high' },
      { type: 'save_to_database', table: 'callbacks' },
    ],
  });

  // The first message starts a conversation; it is unread in the inbox.
  await text(PHONE, 'My order arrived broken, please help');
  await text('+15551230003', 'Do you open on Sundays?');
  await signIn(page, base, '/conversations');
  const row = page.locator('#inbox-list li').filter({ hasText: PHONE });
  check(await row.getByText('1 unread').isVisible(), 'the new conversation is listed as unread');
  await screenshot(page, 'inbox', { fullPage: true });
  await page.getByLabel('Show').selectOption('human');
  await page.getByRole('button', { name: 'Apply' }).click();
  check(await page.getByText('No conversation matches these filters').isVisible(),
    'nobody has taken over yet: the "needs a human" filter is empty');
  await page.getByLabel('Show').selectOption('unread');
  await page.getByLabel('Search').fill(PHONE);
  await page.getByRole('button', { name: 'Apply' }).click();
  check(await page.locator('#inbox-list li').count() === 1, 'unread conversations from that number: just the one');

  // Open the thread; the next message and the agent's reply appear without reloading.
  await page.getByRole('link', { name: PHONE }).click();
  await page.getByRole('heading', { name: PHONE }).waitFor();
  await page.evaluate(() => { window.stillTheSamePage = true; });
  const messages = page.locator('#messages .message');
  const before = await messages.count();
  const turn = await text(PHONE, 'Order 4471, the screen is cracked. My email is ada@example.com');
  const reply = turn.replies?.[0]?.body;
  check(typeof reply === 'string' && reply.length > 0, 'the agent answered the simulated SMS');
  await page.waitForFunction((n) => document.querySelectorAll('#messages .message').length >= n, before + 2);
  const agentReply = page.locator('#messages .message.by-agent').last();
  check(await page.evaluate(() => window.stillTheSamePage === true)
    && (await page.locator('#messages .message.in').last().textContent()).includes('Order 4471')
    && (await agentReply.textContent()).includes(reply.slice(0, 30)),
  'the new message and the agent reply appeared in the open thread without reloading');
  const technical = agentReply.locator('details');
  check(!(await technical.getByText('Backend: builtin').isVisible()),
    'the technical details of a reply are folded away for front-desk staff');
  await technical.locator('summary').click();
  const details = await technical.textContent();
  check(await technical.getByText('Backend: builtin').isVisible()
    && details.includes('Workflow: Support desk') && details.includes('Agent: SMS agent')
    && /\d+ segments? · (gsm7|ucs2)/.test(details),
  'the reply shows its workflow, agent, backend, segments and encoding under Details');
  const run = page.getByRole('complementary', { name: 'Workflow run' });
  const runText = await run.textContent();
  check(runText.includes('ada@example.com') && runText.includes('✓ Create support ticket (high)'),
    'the run shows the extracted email and its steps done');
  await screenshot(page, 'thread', { fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const phoneWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  check(phoneWidth <= 390, `on a phone the thread fits the screen (${phoneWidth}px wide)`);
  await screenshot(page, 'thread-phone');
  await page.setViewportSize({ width: 1280, height: 900 });

  // Take over, reply by hand, hand back.
  await page.getByRole('button', { name: 'Take over' }).click();
  await page.getByText('You have taken over').waitFor();
  check(await page.getByText('a human has taken over').isVisible(), 'the conversation is marked as taken over');
  await page.getByLabel('Reply by hand').fill('Hi, Grace here: a new screen is on its way.');
  await page.locator('#f-body-count', { hasText: '43 characters · 1 SMS segment' }).waitFor();
  await page.getByLabel('Reply by hand').fill('Hi, Grace here \u2014 a new screen is on its way \u{1F4F1}');
  await page.locator('#f-body-count', { hasText: 'emoji' }).waitFor();
  check((await page.locator('#f-body-count').textContent()).includes('1 SMS segment · emoji'),
    'the counter under the reply box follows the typing, and says when an emoji makes segments shorter');
  await page.getByLabel('Reply by hand').fill('Hi, Grace here: a new screen is on its way.');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByText('Message queued').waitFor();
  const mine = page.locator('#messages .message.by-human').last();
  check((await mine.textContent()).includes('You (by hand)')
    && (await mine.textContent()).includes('a new screen is on its way'), 'the message shows as sent by a human');
  await page.getByRole('button', { name: 'Hand back to the agent' }).click();
  await page.getByText('Handed back').waitFor();
  check(await page.getByRole('button', { name: 'Take over' }).isVisible(), 'handed back: the agent answers again');

  // Tickets: open the ticket and change its status.
  await page.getByRole('link', { name: 'Tickets', exact: true }).click();
  const ticket = page.locator('table a[href^="/tickets/T-"]').first();
  const number = (await ticket.textContent()).trim();
  check(number.startsWith('T-'), `the workflow's ticket ${number} is listed`);
  check(await ticket.evaluate((link) => link.getClientRects().length) === 1,
    'the ticket number stays on one line (it used to break at its hyphen)');
  await screenshot(page, 'tickets', { fullPage: true });
  await ticket.click();
  await page.getByLabel('Status').selectOption('pending');
  await page.getByLabel('Assignee').fill('Grace');
  await page.getByRole('button', { name: 'Save ticket' }).click();
  await page.getByText('Ticket saved.').waitFor();
  check(await page.getByLabel('Status').inputValue() === 'pending'
    && await page.getByLabel('Assignee').inputValue() === 'Grace', 'the ticket is pending and assigned');
  await page.goto(`${base}/tickets?status=pending`);
  check(await page.getByRole('link', { name: number }).isVisible(), 'the pending filter lists it');

  // Collections: the records table and its CSV.
  await page.getByRole('link', { name: 'Collections', exact: true }).click();
  await page.getByRole('link', { name: 'callbacks' }).click();
  check(await page.getByRole('cell', { name: PHONE }).isVisible(), 'the saved record is in the table');
  await screenshot(page, 'collections', { fullPage: true });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download CSV' }).click(),
  ]);
  const csv = readFileSync(await download.path(), 'utf8');
  check(download.suggestedFilename() === 'callbacks.csv' && csv.startsWith('created_at,sender')
    && csv.includes(PHONE), 'the CSV download has the record');

  // Agents and routing rules.
  await page.getByRole('link', { name: 'Agents', exact: true }).click();
  await page.getByRole('link', { name: 'New agent' }).click();
  await page.getByLabel('Name').fill('Night desk');
  await page.getByLabel('Persona').fill('Calm and brief; says the team answers in the morning.');
  await page.getByLabel('Longest reply (SMS segments)').fill('2');
  await page.getByRole('button', { name: 'Save agent' }).click();
  await page.getByText('Agent created.').waitFor();
  check(await page.getByRole('link', { name: 'Night desk', exact: true }).isVisible(), 'the new agent is listed');
  await page.getByLabel('Agent', { exact: true }).selectOption({ label: 'Night desk' });
  await page.getByLabel('Sat').check();
  await page.getByLabel('Sun').check();
  await page.getByLabel('From (HH:MM)').fill('25:00');
  await page.getByLabel('To (HH:MM)').fill('08:00');
  await page.getByLabel('Time zone').fill('America/New_York');
  await page.getByRole('button', { name: 'Add rule' }).click();
  await page.locator('#e-time_from').waitFor();
  check((await page.locator('#e-time_from').textContent()).includes('HH:MM')
    && await page.getByLabel('Sat').isChecked(), 'a bad time is reported next to its field, the rest kept');
  await page.getByLabel('From (HH:MM)').fill('18:00');
  await page.getByRole('button', { name: 'Add rule' }).click();
  await page.getByText('Routing rule added').waitFor();
  check(await page.getByText('Night desk when on Sat, Sun, from 18:00 to 08:00 (America/New_York)').isVisible(),
    'the routing rule is listed with its conditions');
  await screenshot(page, 'agents', { fullPage: true });
  await page.getByRole('link', { name: 'Delete Night desk' }).click();
  await page.getByRole('heading', { name: 'Delete the agent “Night desk”?' }).waitFor();
  await page.getByRole('link', { name: 'Cancel' }).click();
  check(await page.getByRole('link', { name: 'Night desk', exact: true }).isVisible(),
    'Delete asks for confirmation first, and Cancel keeps the agent');

  // Opt-outs.
  await text('+15551230002', 'STOP');
  await page.getByRole('link', { name: 'Opt-outs', exact: true }).click();
  check(await page.getByRole('cell', { name: '+15551230002' }).isVisible(), 'the number that texted STOP is listed');
  await screenshot(page, 'opt-outs', { fullPage: true });
});
