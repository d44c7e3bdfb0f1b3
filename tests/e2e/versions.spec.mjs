// Changing workflows safely, as a person does it in the web app, in headless Debian Chromium driven
// by playwright-core against a real `smsflow serve`: two workflows (through the API) answer a few
// texts; an edit is saved to the draft and the list shows the Draft badge while the live workflow is
// unchanged; the draft page shows the readable diff; a replay of the stored texts against the draft
// shows its progress bar and the texts that would move, in a table that filters; publishing makes the
// draft live as a version; the history shows the diff; restoring the earlier version makes it live
// again; the audit log names who did each change. A new workflow saved to the draft is not live, and
// draft saves are in the audit log. Before publishing, a pasted suite of conversation tests is saved
// and runs against the draft, showing pass/fail per test; with publish_requires_tests on, publishing
// is refused while a saved test fails and goes through once the suite passes, and so is a restore.
//
//   SMSFLOW_BIN=target/debug/smsflow node tests/e2e/versions.spec.mjs
//
// Env: see browser.mjs.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  apiClient, bin, browserTest, check, createAdmin, EMAIL, screenshot, signIn,
} from './browser.mjs';

await browserTest(async ({ base, env, page }) => {
  check(createAdmin(env).status === 0, 'smsflow admin create made the admin');
  const { key, json: api } = apiClient(env, base);

  // With publish_requires_tests a change goes live only through a tested publish of the draft: a
  // direct create is refused, saying so. The two workflows were there before the setting was on.
  const direct = await fetch(`${base}/api/v1/workflows`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Lead capture', goal: 'lead_capture' }),
  });
  check(direct.status === 409 && (await direct.text()).includes('save it to the draft'),
    'with publish_requires_tests, a workflow created directly is refused: it must go through the draft');
  const setup = path.join(env.HOME, 'setup.yaml');
  writeFileSync(setup, [
    '- {name: Lead capture, goal: lead_capture, active: true, priority: 20, keywords: [pricing]}',
    '- name: Support',
    '  goal: help_desk_support',
    '  active: true',
    '  priority: 30',
    '  keywords: [broken]',
    '  steps: [{type: create_support_ticket, priority: high}]',
    '',
  ].join('\n'));
  const { SMSFLOW_PUBLISH_REQUIRES_TESTS: _strict, ...before } = env;
  const applied = spawnSync(bin, ['workflows', 'apply', '--file', setup, '--publish'], { env: before, encoding: 'utf8' });
  check(applied.status === 0, `the starting workflows were published before the setting (${applied.stderr.trim()})`);
  let support;
  for (let i = 0; i < 100 && !support; i += 1) {
    support = (await api('GET', '/workflows')).items.find((w) => w.name === 'Support');
    if (!support) await new Promise((r) => setTimeout(r, 100));
  }
  const texts = [
    ['+14155550101', 'my screen is broken'],
    ['+14155550102', 'what is your pricing?'],
    ['+14155550103', 'the app is broken again'],
  ];
  for (const [from, body] of texts) {
    const turn = await api('POST', '/simulator/messages', { from, body });
    check(typeof turn.inbound.explanation.workflows_version === 'number',
      `"${body}" is explained with the version that routed it (${turn.inbound.explanation.workflows_version})`);
  }

  await signIn(page, base);

  // Edit -> Save to draft: the list shows the Draft badge; the live workflow is unchanged.
  await page.goto(`${base}/workflows/${support.id}`);
  check(await page.getByRole('button', { name: 'Save workflow' }).count() === 0
    && await page.getByRole('button', { name: 'Save to draft' }).isVisible(),
  'with publish_requires_tests the editor offers only Save to draft');
  await page.getByLabel(/^Active/).uncheck();
  await page.getByLabel('Priority', { exact: true }).fill('35');
  await page.getByRole('button', { name: 'Save to draft' }).click();
  await page.waitForURL(/\/workflows\?notice=drafted/);
  const banner = page.locator('#draft-banner');
  check((await banner.textContent()).includes('1 changed'), 'the list says a draft changes one workflow');
  const supportRow = page.locator('table.workflows tbody tr', { hasText: 'Support' });
  check(await supportRow.locator('.badge.draft').isVisible(), 'the edited workflow carries the Draft badge');
  check(await page.getByRole('switch', { name: 'Support active' }).getAttribute('aria-checked') === 'true',
    'the live workflow is still active: a draft is not live');
  await screenshot(page, 'versions-draft-badge');

  // New workflow -> Save to draft: it is in the draft, not live; each draft save is in the audit log.
  await page.goto(`${base}/workflows/new`);
  await page.getByLabel('Name', { exact: true }).fill('Returns');
  await page.getByLabel('Goal', { exact: true }).selectOption('sales_inquiry');
  await page.getByLabel('Extra keywords').fill('return label');
  // Inactive, so the replay and the tests below see only the Support change.
  await page.getByLabel(/^Active/).setChecked(false);
  await page.getByRole('button', { name: 'Save to draft' }).click();
  await page.waitForURL(/\/workflows\?notice=drafted/);
  check((await banner.textContent()).includes('1 created, 1 changed'),
    `the draft creates the new workflow and changes Support: "${(await banner.textContent()).trim()}"`);
  check((await api('GET', '/workflows')).items.every((workflow) => workflow.name !== 'Returns'),
    'the new workflow is not live');
  const draftSaves = await api('GET', '/audit?subject=draft');
  check(draftSaves.items.length === 2 && draftSaves.items.every((entry) => entry.actor === `admin ${EMAIL}`)
    && draftSaves.items[0].summary === 'draft revision 2: "Returns"',
  `both draft saves are in the audit log: ${draftSaves.items.map((entry) => entry.summary).join('; ')}`);

  // The draft page: the readable diff.
  await banner.getByRole('link', { name: 'Review and publish' }).click();
  await page.waitForURL(`${base}/workflows/draft`);
  const change = page.locator('ul.diff li', { hasText: 'Changed “Support”' });
  const field = async (name) => (await change.locator('tbody tr', { hasText: name }).locator('th, td')
    .allTextContents()).map((cell) => cell.trim()).join(' ');
  check(await field('active') === 'active true false', 'the draft page shows active: true -> false');
  check(await field('priority') === 'priority 30 35', 'and priority: 30 -> 35');

  // Run conversation tests against the draft: one passes, one shows what the draft breaks.
  await page.getByRole('link', { name: 'Run conversation tests against the draft' }).click();
  await page.waitForURL(`${base}/workflows/draft/tests`);
  await page.getByLabel('Tests (YAML)').fill([
    'tests:',
    '  - name: pricing questions reach Lead capture',
    '    turns:',
    '      - send: what is your pricing?',
    '        workflow: Lead capture',
    '  - name: broken things reach Support',
    '    turns:',
    '      - send: my screen is broken',
    '        workflow: Support',
  ].join('\n'));
  await page.getByRole('button', { name: 'Save and run' }).click();
  const testsSummary = page.locator('#tests-summary');
  await testsSummary.waitFor();
  check((await testsSummary.textContent()).includes('1 of 2 tests passed against the draft'),
    `the suite runs against the draft: "${(await testsSummary.textContent()).trim()}"`);
  const failed = page.locator('table.test-results tbody tr', { hasText: 'broken things reach Support' });
  check((await failed.textContent()).includes('Failed') && (await failed.textContent()).includes('expected: Support'),
    'the failing test says what it expected');
  check((await page.locator('#suite-saved').textContent()).includes(`Saved by admin ${EMAIL}`),
    'the suite is saved beside the workflows');
  await screenshot(page, 'versions-conversation-tests', { fullPage: true });
  const savedSuite = await api('GET', '/workflows/tests');
  check(savedSuite.yaml.includes('broken things reach Support'), 'the API returns the saved suite');

  // The saved suite fails against the draft: publishing is refused and names the failing test.
  await page.goto(`${base}/workflows/draft`);
  await page.getByRole('button', { name: 'Publish' }).click();
  const refusal = page.getByRole('alert');
  await refusal.waitFor();
  check((await refusal.textContent()).includes('"broken things reach Support"'),
    `publishing is refused while a saved test fails: "${(await refusal.textContent()).trim()}"`);

  // Fix the suite (Support is off in the draft) and save it: it passes.
  await page.goto(`${base}/workflows/draft/tests`);
  const suiteField = page.getByLabel('Tests (YAML)');
  await suiteField.fill((await suiteField.inputValue()).split('\n').slice(0, 5).join('\n'));
  await page.getByRole('button', { name: 'Save and run' }).click();
  await testsSummary.waitFor();
  check((await testsSummary.textContent()).includes('1 of 1 tests passed against the draft'),
    `the fixed suite passes: "${(await testsSummary.textContent()).trim()}"`);
  await page.goto(`${base}/workflows/draft`);

  // Replay the stored texts against the draft: progress bar, then the table, which filters.
  await page.getByRole('link', { name: 'Replay recent texts against the draft' }).click();
  await page.waitForURL(`${base}/workflows/replay`);
  check(await page.getByRole('radio', { name: /The draft/ }).isChecked(), 'the replay runs against the draft by default');
  await page.getByRole('button', { name: 'Replay' }).click();
  await page.waitForURL(/\/workflows\/replay\/[0-9a-f-]{36}$/);
  const summary = page.locator('#replay-summary');
  await summary.waitFor();
  check(await page.locator('#replay-progress').getAttribute('value') === '100', 'the progress bar is full');
  check((await summary.textContent()).includes('3 texts replayed')
    && (await summary.textContent()).includes('2 would route differently'),
  `the summary counts the texts and the moves: "${(await summary.textContent()).trim()}"`);
  const rows = page.locator('table.rerouted tbody tr');
  check(await rows.count() === 2, 'the table lists the two texts Support would no longer take');
  check((await rows.first().locator('td[data-label="Before"]').textContent()).includes('Support'),
    'each row says where the text went before, with the reason');
  await screenshot(page, 'versions-replay', { fullPage: true });
  await page.getByLabel('Text contains').fill('again');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/q=again/);
  check(await rows.count() === 1
    && (await rows.first().textContent()).includes('the app is broken again'), 'the filter keeps the one text');

  // Publish: the draft becomes a version; the history shows it and its diff.
  await page.goto(`${base}/workflows/draft`);
  await page.getByLabel('Note for the history (optional)').fill('Support off for the holidays');
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.waitForURL(/\/workflows\/history\?published=\d+/);
  const published = Number(new URL(page.url()).searchParams.get('published'));
  check(await page.getByText(`Version ${published} is live.`).isVisible(), 'publishing makes a new live version');
  const newest = page.locator('table.history tbody tr').first();
  check((await newest.textContent()).includes(`admin ${EMAIL}`)
    && (await newest.textContent()).includes('Support off for the holidays'),
  'the history names who published it and their note');
  await page.goto(`${base}/workflows`);
  check(await page.getByRole('switch', { name: 'Support active' }).getAttribute('aria-checked') === 'false',
    'the published change is live');
  check(await page.locator('#draft-banner').count() === 0, 'no draft remains');

  await page.goto(`${base}/workflows/history/${published}`);
  check((await page.locator('ul.diff li', { hasText: 'Changed “Support”' }).textContent()).includes('priority'),
    'the version page shows what it changed');
  check(await page.getByRole('button', { name: /^Restore/ }).count() === 0, 'the live version has nothing to restore');
  await screenshot(page, 'versions-history-diff', { fullPage: true });

  // Restoring is publishing too: a saved test the earlier version fails refuses it, by name.
  const passingSuite = (await api('GET', '/workflows/tests')).yaml;
  await api('PUT', '/workflows/tests', {
    yaml: [passingSuite, '  - name: broken screens are not for Support', '    turns:',
      '      - send: my screen is broken', '        workflow: null'].join('\n'),
  });
  await page.goto(`${base}/workflows/history/${published - 1}`);
  await page.getByRole('button', { name: `Restore version ${published - 1}` }).click();
  const restoreRefusal = page.getByRole('alert');
  await restoreRefusal.waitFor();
  check((await restoreRefusal.textContent()).includes('Not restored')
    && (await restoreRefusal.textContent()).includes('"broken screens are not for Support"'),
  `restoring is refused while a saved test fails against it: "${(await restoreRefusal.textContent()).trim()}"`);
  check((await api('GET', `/workflows/${support.id}`)).active === false, 'the refused restore changed nothing');
  await api('PUT', '/workflows/tests', { yaml: passingSuite });

  // Restore the version before it: exactly the earlier workflows, as a new version.
  await page.goto(`${base}/workflows/history/${published - 1}`);
  await page.getByRole('button', { name: `Restore version ${published - 1}` }).click();
  await page.waitForURL(/\/workflows\/history\?published=\d+/);
  const restored = Number(new URL(page.url()).searchParams.get('published'));
  check(restored === published + 1, 'restoring makes another new version');
  check((await page.locator('table.history tbody tr').first().textContent()).includes(`rollback of version ${published - 1}`),
    'the history says which version it restored');
  const live = await api('GET', `/workflows/${support.id}`);
  check(live.active === true && live.priority === 30, 'the earlier Support is live again, exactly');

  // The audit log: who changed what.
  await page.goto(`${base}/audit`);
  const audit = page.locator('table.audit tbody tr');
  check((await audit.first().textContent()).includes(`admin ${EMAIL}`)
    && (await audit.first().textContent()).includes('rollback'), 'the audit log lists the restore first, by the admin');
  await page.getByLabel('Changes to').selectOption('api_key');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/subject=api_key/);
  check(await audit.count() === 1 && (await audit.first().textContent()).includes('"e2e"'),
    'filtered to API keys: the key the CLI created');
}, { SMSFLOW_PUBLISH_REQUIRES_TESTS: 'true' });
