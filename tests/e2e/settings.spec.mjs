// The two settings pages, in headless Debian Chromium driven by playwright-core against a real
// `smsflow serve`:
// - a workflow's auto follow-up (/workflows/{id}/follow-up): reached from the workflow's page; hours
//   out of range and an empty nudge are refused with a message saying what to fix, the form kept;
//   a valid setting is saved, shown again on the page and read back by the API; turning it off
//   saves that too; saved to the draft, it is in the draft (and its changes) but not live;
// - one's own notifications (/settings/notifications): the owner's choices are saved and kept; a bad
//   digest window is refused; a viewer, invited into a second browser, changes their own (the one
//   change a viewer may make) without touching the owner's, and cannot open the follow-up page.
//
//   SMSFLOW_BIN=target/debug/smsflow node tests/e2e/settings.spec.mjs
//
// Env: see browser.mjs.
import { chromium } from 'playwright-core';
import {
  apiClient, browserTest, check, createAdmin, signIn,
} from './browser.mjs';

await browserTest(async ({ base, env, page }) => {
  check(createAdmin(env).status === 0, 'smsflow admin create made the owner');
  const { raw: api } = apiClient(env, base);
  const workflow = (await api('POST', '/workflows', {
    name: 'Booking', goal: 'appointment_booking', active: true,
  })).body;

  // Auto follow-up, from the workflow's page.
  await signIn(page, base, `/workflows/${workflow.id}`);
  await page.getByRole('link', { name: 'Auto follow-up…' }).click();
  await page.waitForURL(`${base}/workflows/${workflow.id}/follow-up`);
  const on = page.getByLabel('Nudge texters who stop answering');
  check(!(await on.isChecked()), 'the follow-up is off by default');
  const save = () => page.getByRole('button', { name: 'Save', exact: true }).click();
  const refusal = page.getByRole('alert');

  await on.check();
  await page.getByLabel('After, hours').fill('200');
  await page.getByLabel('The nudge').fill('Still there? Reply to pick a time.');
  await save();
  await refusal.waitFor();
  check((await refusal.textContent()).includes('Hours: must be between 1 and 168 hours'),
    `200 hours is refused and says the range: "${(await refusal.textContent()).trim()}"`);
  check(await on.isChecked() && await page.getByLabel('The nudge').inputValue() === 'Still there? Reply to pick a time.',
    'the refused form keeps what was typed');
  check((await api('GET', `/workflows/${workflow.id}/follow-up`)).status === 404, 'nothing was saved');

  await page.getByLabel('After, hours').fill('6');
  await page.getByLabel('The nudge').fill('  ');
  await save();
  await refusal.waitFor();
  check((await refusal.textContent()).includes('The nudge: write the nudge'),
    `an empty nudge is refused: "${(await refusal.textContent()).trim()}"`);

  await page.getByLabel('The nudge').fill('Still there? Reply to pick a time.');
  await page.getByLabel('In Spanish (optional)').fill('¿Sigue ahí? Responda para elegir una hora.');
  await save();
  await page.getByText('Follow-up saved.').waitFor();
  await page.reload();
  check(await on.isChecked() && await page.getByLabel('After, hours').inputValue() === '6'
    && await page.getByLabel('The nudge').inputValue() === 'Still there? Reply to pick a time.'
    && await page.getByLabel('In Spanish (optional)').inputValue() === '¿Sigue ahí? Responda para elegir una hora.',
  'saved: the page shows the follow-up after 6 hours, in English and Spanish');
  const saved = await api('GET', `/workflows/${workflow.id}/follow-up`);
  check(saved.status === 200 && saved.body.after_hours === 6
    && JSON.stringify(saved.body).includes('¿Sigue ahí?'), 'the API reads the same setting');

  await on.uncheck();
  await save();
  await page.getByText('Follow-up saved.').waitFor();
  check(!(await page.getByLabel('Nudge texters who stop answering').isChecked())
    && (await api('GET', `/workflows/${workflow.id}/follow-up`)).status === 404, 'turned off, it is saved off');

  // The follow-up is part of the workflow: saved to the draft, it is not live until the draft is
  // published, and the page then edits the draft's copy.
  await on.check();
  await page.getByLabel('After, hours').fill('12');
  await page.getByLabel('The nudge').fill('Any questions? Reply any time.');
  await page.getByRole('button', { name: 'Save to draft' }).click();
  await page.getByText('Follow-up saved to the draft').waitFor();
  check(await page.locator('#from-draft').isVisible() && await page.getByLabel('After, hours').inputValue() === '12',
    "saved to the draft: the page shows the draft's copy");
  const draft = await api('GET', '/workflows/draft');
  check((await api('GET', `/workflows/${workflow.id}/follow-up`)).status === 404
    && draft.body.workflows[0].follow_up.after_hours === 12
    && draft.body.changes.workflows[0].fields.some((change) => change.field === 'follow_up'),
  'the draft has the follow-up, its changes list it, the live workflow does not');

  // The owner's notifications.
  await page.locator('header').getByRole('link', { name: 'Notifications' }).click();
  await page.waitForURL(`${base}/settings/notifications`);
  await page.getByLabel('Email me').check();
  await page.getByLabel('A ticket opens').uncheck();
  await page.getByLabel('A conversation needs a person').check();
  await page.getByLabel('Digest window, minutes').fill('2000');
  await page.getByRole('button', { name: 'Save' }).click();
  await refusal.waitFor();
  check((await refusal.textContent()).includes('The digest window must be a whole number of minutes from 0 to 1440'),
    `a digest window over a day is refused: "${(await refusal.textContent()).trim()}"`);
  await page.getByLabel('Digest window, minutes').fill('30');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Notification settings saved.').waitFor();
  const ownerChoices = async (p) => [
    await p.getByLabel('Email me').isChecked(),
    await p.getByLabel('A conversation needs a person').isChecked(),
    await p.getByLabel('A ticket opens').isChecked(),
    await p.getByLabel('A text is not delivered').isChecked(),
    await p.getByLabel('Digest window, minutes').inputValue(),
  ].join(' ');
  await page.reload();
  const owners = await ownerChoices(page);
  check(owners.startsWith('true true false') && owners.endsWith(' 30'),
    `the owner's choices are kept: email, needs a person, no tickets, 30 min digest (${owners})`);

  // A viewer, in a second browser, chooses their own.
  await page.goto(`${base}/users`);
  await page.getByLabel('Email').fill('viewer@example.com');
  await page.getByLabel('Role', { exact: true }).selectOption('viewer');
  await page.getByRole('button', { name: 'Make an invitation link' }).click();
  const invitation = new URL(await page.locator('#new-link').inputValue()).pathname;
  const other = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const viewer = await (await other.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    viewer.setDefaultTimeout(15_000);
    await viewer.goto(`${base}${invitation}`);
    await viewer.getByLabel('Password', { exact: true }).fill('viewer password here');
    await viewer.getByLabel('Password again').fill('viewer password here');
    await viewer.getByRole('button', { name: 'Create account and sign in' }).click();
    await viewer.waitForURL(`${base}/conversations`);
    await viewer.locator('header').getByRole('link', { name: 'Notifications' }).click();
    await viewer.waitForURL(`${base}/settings/notifications`);
    await viewer.getByLabel('Email me').check();
    await viewer.getByLabel('A conversation needs a person').uncheck();
    await viewer.getByLabel('A ticket opens').check();
    await viewer.getByLabel('Digest window, minutes').fill('0');
    await viewer.getByRole('button', { name: 'Save' }).click();
    await viewer.getByText('Notification settings saved.').waitFor();
    await viewer.reload();
    const viewers = await ownerChoices(viewer);
    check(viewers.startsWith('true false true') && viewers.endsWith(' 0'),
      `a viewer changes their own notifications, kept (${viewers})`);
    const followUp = await viewer.goto(`${base}/workflows/${workflow.id}/follow-up`);
    check(followUp.status() === 403, `a viewer cannot open a workflow's follow-up (${followUp.status()})`);
  } finally {
    await other.close();
  }
  await page.goto(`${base}/settings/notifications`);
  check(await ownerChoices(page) === owners, 'the owner\'s choices are untouched by the viewer\'s');
});
