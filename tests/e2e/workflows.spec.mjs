// The SMS Workflows web app as a person uses it, in headless Debian Chromium driven by playwright-core:
// a real `smsflow serve` on loopback with a fresh SQLite data directory and an admin made with the CLI;
// see the setup page while no admin exists, sign in, create a workflow with three steps through the
// form, see a validation error and fix it, toggle, test matching (one message and a test set), search,
// see a stale save refused, delete with confirmation, then sign out.
//
//   SMSFLOW_BIN=target/debug/smsflow node tests/e2e/workflows.spec.mjs
//
// Env: see browser.mjs.
import {
  EMAIL, PASSWORD, browserTest, check, createAdmin, screenshot,
} from './browser.mjs';

await browserTest(async ({ base, env, page, context }) => {
  // No admin yet: the one-time setup page. Then the operator creates one with the CLI instead.
  await page.goto(`${base}/workflows`);
  check(new URL(page.url()).pathname === '/setup', 'without an admin, the web app offers its setup page');
  await screenshot(page, 'setup');
  const admin = createAdmin(env);
  check(admin.status === 0 && admin.stdout.includes(`Created admin ${EMAIL}`),
    `smsflow admin create made the admin (${(admin.stderr || admin.stdout).trim()})`);

  // Sign in: a signed-out visitor is sent to the sign-in page, and back afterwards.
  await page.goto(`${base}/workflows/new`);
  check(new URL(page.url()).pathname === '/login', 'with an admin, /workflows/new leads to /login (setup is gone)');
  await screenshot(page, 'sign-in');
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Wrong email or password').waitFor();
  check(await page.getByLabel('Email').inputValue() === EMAIL, 'a wrong password is refused, the email kept');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/workflows/new`);
  check(await page.getByRole('heading', { name: 'New workflow' }).isVisible(), 'signed in, on the New workflow page');

  // A workflow with three steps, typed into the form.
  await page.getByLabel('Name', { exact: true }).fill('Lead capture');
  await page.getByLabel('Goal', { exact: true }).selectOption('lead_capture');
  const goalHelp = page.locator('p.goal-help[data-goal="lead_capture"]');
  check(await goalHelp.isVisible() && (await goalHelp.textContent()).includes('quote'),
    'the goal says what it matches and its keywords');
  await page.getByLabel('Context for the AI agent').fill(
    'You are a helpful sales assistant. Thank them, ask what they need, gather name, company and phone.');
  await page.getByLabel('Response template', { exact: true }).fill(
    'Thanks for your interest! Someone will follow up with detailed pricing.');
  await page.getByLabel('Priority', { exact: true }).fill('20');
  await page.getByLabel('Extra keywords').fill('ballpark, rough figure');
  await page.getByLabel(/^Active/).check();

  // Adding a step posts the form back (no save) and swaps in the steps with one more: the page is not
  // reloaded (a mark left on `window` survives) and does not jump to the top.
  await page.evaluate(() => { window.sameEditorPage = true; });
  const addStep = async (type, index) => {
    await page.getByLabel('Add a step').selectOption(type);
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.locator(`#s${index}-type`).waitFor();
  };
  await addStep('extract_information', 0);
  await page.locator('#s0-fields').fill('name, email, phone, company');
  await addStep('book_appointment', 1);
  check(await page.getByLabel('Name', { exact: true }).inputValue() === 'Lead capture'
    && await page.locator('#s0-fields').inputValue() === 'name, email, phone, company',
  'adding a step keeps everything typed so far');
  await page.locator('#s1-link').fill('calendly.com/acme/intro');
  await addStep('save_to_database', 2);
  check(await page.evaluate(() => document.activeElement.id) === 's2-type', 'the keyboard is on the added step');
  await page.locator('#s2-table').fill('leads');
  check(await page.locator('#s2-link').isHidden() && await page.locator('#s2-table').isVisible(),
    'each step shows the fields of its type');
  check(await page.evaluate(() => window.sameEditorPage === true && window.scrollY > 0),
    'the steps change in place: no reload, no jump to the top');

  // Moving and removing work in place too, and keep the keyboard on the step that moved.
  await page.getByRole('button', { name: 'Move step 3 up' }).click();
  await page.locator('#s1-table').waitFor();
  check(await page.locator('#s1-table').inputValue() === 'leads'
    && await page.locator('#s2-link').inputValue() === 'calendly.com/acme/intro',
  'Up swaps the step with the one above, values and all');
  check(await page.evaluate(() => document.activeElement.getAttribute('aria-label')) === 'Move step 2 up',
    'the keyboard stays on the moved step');
  await page.getByRole('button', { name: 'Move step 2 down' }).click();
  await page.locator('#s2-table').waitFor();
  check(await page.evaluate(() => document.activeElement.getAttribute('aria-label')) === 'Move step 3 up',
    'Down moves it back; at the end of the list the keyboard is on its Up button');
  await addStep('send_response', 3);
  await page.getByRole('button', { name: 'Remove step 4' }).click();
  await page.locator('#s3-type').waitFor({ state: 'detached' });
  check(await page.evaluate(() => document.activeElement.id) === 's2-type'
    && await page.evaluate(() => window.sameEditorPage === true)
    && await page.locator('#s0-fields').inputValue() === 'name, email, phone, company'
    && await page.locator('#s1-link').inputValue() === 'calendly.com/acme/intro'
    && await page.locator('#s2-table').inputValue() === 'leads',
  'Remove takes the step out in place, the others unchanged, the keyboard on the step before it');

  // Save with a mistake: the error is next to the booking link, nothing typed is lost.
  await page.getByRole('button', { name: 'Save workflow' }).click();
  const linkError = page.locator('#s1-link-error');
  await linkError.waitFor();
  check((await linkError.textContent()).includes('must be an absolute http(s) URL'),
    'the invalid booking link is reported next to its field');
  check(await page.locator('#s1-link').getAttribute('aria-invalid') === 'true', 'the field is marked invalid');
  check(await page.locator('#s1-link').inputValue() === 'calendly.com/acme/intro'
    && await page.locator('#s2-table').inputValue() === 'leads'
    && (await page.getByLabel('Context for the AI agent').inputValue()).startsWith('You are a helpful'),
  'after the error, everything typed is still there');
  await screenshot(page, 'workflow-validation-error', { fullPage: true });

  // Fix it and save.
  await page.locator('#s1-link').fill('https://calendly.com/acme/intro');
  await page.getByRole('button', { name: 'Save workflow' }).click();
  await page.waitForURL(/\/workflows\?notice=created/);
  check(await page.getByText('Created “Lead capture”.').isVisible(), 'the workflow is created');
  const row = page.locator('table.workflows tbody tr', { hasText: 'Lead capture' });
  check((await row.locator('td[data-label="Steps"]').textContent()).trim() === '3', 'the list shows its three steps');
  check((await row.locator('td[data-label="Agent"]').textContent()).includes('routing rules'), 'no agent: routing rules');

  // A second workflow, inactive, then switched on from the list.
  await page.getByRole('link', { name: 'New workflow' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Urgent support');
  await page.getByLabel('Goal', { exact: true }).selectOption('help_desk_support');
  await page.getByLabel('Priority', { exact: true }).fill('40');
  await page.getByLabel('Assigned agent').selectOption({ label: 'SMS agent' });
  await page.getByLabel('Context for the AI agent').fill('Calm, precise support agent. Get the order number first.');
  await addStep('create_support_ticket', 0);
  await page.locator('#s0-priority').selectOption('urgent');
  await page.getByRole('button', { name: 'Save workflow' }).click();
  await page.waitForURL(/notice=created/);
  check((await page.locator('table.workflows tbody tr', { hasText: 'Urgent support' })
    .locator('td[data-label="Agent"]').textContent()).includes('SMS agent'), 'the assigned agent is listed by name');
  const toggle = page.getByRole('switch', { name: 'Urgent support active' });
  check(await toggle.getAttribute('aria-checked') === 'false', 'a new workflow starts inactive');
  await toggle.click();
  await page.waitForURL(/notice=activated/);
  check(await page.getByRole('switch', { name: 'Urgent support active' }).getAttribute('aria-checked') === 'true',
    'the active toggle switches it on');
  const names = await page.locator('table.workflows tbody td[data-label="Name"]').allTextContents();
  check(names[0].trim() === 'Urgent support' && names[1].trim() === 'Lead capture', 'listed by priority, highest first');

  // Test a sample message: the winner and every candidate with its reason.
  await page.getByLabel('Sample message').fill('Hi, can I get a quote for 3 rooms?');
  await page.getByLabel('Sender number (optional)').fill('+15550001111');
  await page.getByRole('button', { name: 'Test message' }).click();
  const winner = page.locator('#test-winner');
  await winner.waitFor();
  check((await winner.textContent()).includes('Winner: Lead capture'), 'the test panel names the winner');
  const preview = await page.locator('#test-reply').textContent();
  check(preview.includes('nothing is sent') && /name/i.test(preview),
    `the test panel shows the reply the agent would send (${preview.trim()})`);
  const reasons = await page.locator('table.candidates tbody tr').allTextContents();
  check(reasons.length === 2 && reasons.some((r) => r.includes('matched the goal keyword "quote"')),
    'every candidate is listed with its reason');
  check(new URL(page.url()).pathname === '/workflows', 'htmx answered in place (no navigation)');
  await screenshot(page, 'workflows-list-and-test', { fullPage: true });

  // A test set: one message a line, a table of results.
  await page.getByLabel('Messages, one a line').fill(
    'my sink is leaking, help\nhow much for a ballpark?\nhello there');
  await page.getByRole('button', { name: 'Test all' }).click();
  await page.locator('table.test-set').waitFor();
  const setRows = await page.locator('table.test-set tbody tr').allTextContents();
  check(setRows.length === 3 && setRows[0].includes('Urgent support') && setRows[1].includes('Lead capture')
    && setRows[2].includes('none'), 'the test set shows each message with its winner');
  await page.locator('#test-set-summary').scrollIntoViewIfNeeded();
  await screenshot(page, 'test-set', { fullPage: true });

  // Search and goal filter.
  await page.getByLabel('Search by name').fill('lead');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/q=lead/);
  check((await page.locator('table.workflows tbody tr').count()) === 1, 'search narrows the list');

  // A stale save: the same workflow open in two tabs, saved in one, then in the other.
  await page.getByLabel('Search by name').fill('');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL((url) => !url.search.includes('q=lead'));
  const editUrl = await page.getByRole('link', { name: 'Urgent support' }).getAttribute('href');
  const other = await context.newPage();
  await other.goto(`${base}${editUrl}`);
  await page.goto(`${base}${editUrl}`);
  await other.getByLabel('Priority', { exact: true }).fill('45');
  await other.getByRole('button', { name: 'Save workflow' }).click();
  await other.waitForURL(/notice=saved/);
  await page.getByLabel('Context for the AI agent').fill('Calm support agent. Ask for the order number.');
  await page.getByRole('button', { name: 'Save workflow' }).click();
  await page.locator('#stale').waitFor();
  check((await page.locator('#stale').textContent()).includes('someone else changed this workflow'),
    'a stale save says someone else changed the workflow');
  check(await page.getByLabel('Context for the AI agent').inputValue() === 'Calm support agent. Ask for the order number.'
    && await page.getByLabel('Priority', { exact: true }).inputValue() === '40',
  'the stale form keeps what was typed');
  await other.close();

  // Delete, with confirmation.
  await page.getByRole('link', { name: 'Delete…' }).click();
  check(await page.getByRole('heading', { name: 'Delete “Urgent support”?' }).isVisible(), 'delete asks for confirmation');
  await page.getByRole('button', { name: 'Delete workflow' }).click();
  await page.waitForURL(/notice=deleted/);
  check((await page.locator('table.workflows tbody tr').count()) === 1, 'the workflow is deleted');

  // The editor of a saved workflow, and the list on a phone.
  await page.getByRole('link', { name: 'Lead capture' }).click();
  check(await page.locator('#s1-link').inputValue() === 'https://calendly.com/acme/intro', 'the editor shows the saved steps');
  await screenshot(page, 'workflow-editor', { fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/workflows`);
  await screenshot(page, 'workflows-phone', { fullPage: false });

  // Sign out.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You are signed out.').waitFor();
  check(new URL(page.url()).pathname === '/login', 'signed out');
  await page.goto(`${base}/workflows`);
  check(new URL(page.url()).pathname === '/login', 'after signing out the pages need a sign-in again');
});
