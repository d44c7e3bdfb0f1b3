// Working as a team in the inbox, in headless Debian Chromium driven by playwright-core, against a
// real `smsflow serve` (fresh SQLite, admin and API key made with the CLI):
// - a hand reply takes the conversation over: the texter's next text gets no agent reply, the
//   thread says so, and handing back lets the agent answer again;
// - suggest mode (set on the agent's page): the agent's reply waits in the thread as a draft; a
//   person sends it as drafted, edits it, or discards it, and nothing leaves before that.
//
//   SMSFLOW_BIN=$CARGO_TARGET_DIR/debug/smsflow node tests/e2e/team.spec.mjs
//
// Env: see browser.mjs.
import {
  apiClient, browserTest, check, createAdmin, screenshot, signIn,
} from './browser.mjs';

const PHONE = '+15551230001';
const SUGGESTED = '+15551230002';
const ANSWER = 'Thanks for your message, we will get back to you.';

await browserTest(async ({ base, env, page }) => {
  check(createAdmin(env).status === 0, 'smsflow admin create made the admin');
  const { json: api } = apiClient(env, base);
  const text = (from, body) => api('POST', '/simulator/messages', { from, body });
  const outbound = async (id) => (await api('GET', `/conversations/${id}`)).messages
    .filter((m) => m.direction === 'outbound');

  await api('POST', '/workflows', {
    name: 'Front desk', goal: 'general_inquiry', active: true, response_template: ANSWER,
  });

  // A hand reply takes the conversation over.
  const first = await text(PHONE, 'Hello, can I move my appointment?');
  check(first.replies.length === 1 && first.replies[0].author === 'agent', 'the agent answers the first text');
  await signIn(page, base, '/conversations');
  await page.getByRole('link', { name: PHONE }).click();
  await page.getByRole('heading', { name: PHONE }).waitFor();
  check(await page.getByLabel("Send as a note to the agent's conversation").isVisible()
    && !(await page.getByLabel("Send as a note to the agent's conversation").isChecked()),
  'the reply box offers to leave the agent answering, unchecked');
  await page.getByLabel('Reply by hand').fill('Hi, Grace here: Thursday at 10 works.');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByText('You have taken over').waitFor();
  const activity = page.getByRole('list', { name: 'Notes and activity' });
  check((await activity.textContent()).includes('replied by hand, so took the conversation over'),
    'the thread records that the hand reply took the conversation over');
  check(await page.getByRole('button', { name: 'Hand back to the agent' }).isVisible(),
    'the thread offers to hand back');

  const silent = await text(PHONE, 'Great, see you Thursday');
  check(silent.replies.length === 0, 'the texter\'s next text gets no agent reply');
  const conversation = silent.conversation_id;
  check((await outbound(conversation)).filter((m) => m.author === 'agent').length === 1,
    'still only the first agent reply in the conversation');
  await page.locator('#messages .message.in', { hasText: 'see you Thursday' }).waitFor();
  const unanswered = page.locator('#messages .message.in').last();
  await unanswered.locator('summary').click();
  check((await unanswered.textContent()).includes('none: a human has taken over this conversation'),
    'the thread shows why the agent did not answer');
  await screenshot(page, 'thread-taken-over', { fullPage: true });

  await page.getByRole('button', { name: 'Hand back to the agent' }).click();
  await page.getByText('Handed back').first().waitFor();
  check((await activity.textContent()).includes('gave the conversation back to the agent'),
    'the thread records the hand-back');
  const again = await text(PHONE, 'One more question');
  check(again.replies.length === 1 && again.replies[0].author === 'agent', 'handed back: the agent answers again');

  // Suggest mode, set on the default agent's page.
  await page.getByRole('link', { name: 'Agents', exact: true }).click();
  await page.locator('table a[href^="/agents/"]').first().click();
  await page.getByLabel('Suggest mode').check();
  await page.getByRole('button', { name: 'Save agent' }).click();
  await page.getByText('saved').first().waitFor();

  const drafted = await text(SUGGESTED, 'Do you take new patients?');
  check(drafted.replies.length === 1 && drafted.replies[0].status === 'draft',
    'in suggest mode the agent\'s reply is stored as a draft');
  const suggested = drafted.conversation_id;
  await page.goto(`${base}/conversations/${suggested}`);
  const draft = page.locator('#messages .message.by-agent').last();
  check((await draft.textContent()).includes(ANSWER) && await draft.getByRole('button', { name: 'Send draft' }).isVisible(),
    'the draft is shown in the thread with Send, Edit and Discard');
  await screenshot(page, 'thread-draft', { fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const phoneWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  check(phoneWidth <= 390, `on a phone the thread with a draft and the team panel fits the screen (${phoneWidth}px wide)`);
  await page.setViewportSize({ width: 1280, height: 900 });
  check((await outbound(suggested)).every((m) => m.status === 'draft'), 'nothing has left before approval');

  // Approve as drafted.
  await draft.getByRole('button', { name: 'Send draft' }).click();
  await page.getByText('Draft approved').waitFor();
  const approved = (await outbound(suggested)).find((m) => m.id === drafted.replies[0].id);
  check(['queued', 'sending', 'sent', 'delivered'].includes(approved.status) && approved.body === ANSWER,
    'Send: the agent\'s draft goes out as written');

  // Edit, then send the person's words.
  const second = await text(SUGGESTED, 'And on Saturdays?');
  check(second.replies[0].status === 'draft', 'a newer text is drafted again');
  await page.reload();
  const secondDraft = page.locator(`#m-${second.replies[0].id}`);
  await secondDraft.getByText('Edit draft').click();
  await secondDraft.getByLabel('Edited reply').fill('Yes, Saturdays 9 to 1.');
  await secondDraft.getByRole('button', { name: 'Send edited reply' }).click();
  await page.getByText('Draft approved').waitFor();
  const edited = (await outbound(suggested)).find((m) => m.id === second.replies[0].id);
  check(edited.body === 'Yes, Saturdays 9 to 1.' && edited.author === 'human' && edited.status !== 'draft',
    'Edit: the edited words go out, as the person\'s');

  // Discard: nothing is sent.
  const third = await text(SUGGESTED, 'Is there parking?');
  await page.reload();
  await page.locator(`#m-${third.replies[0].id}`).getByRole('button', { name: 'Discard draft' }).click();
  await page.getByText('Draft discarded').waitFor();
  const left = await outbound(suggested);
  check(!left.some((m) => m.id === third.replies[0].id) && left.length === 2,
    'Discard: the draft is gone and nothing more was sent');
  check(await page.locator('#messages .draft').count() === 0, 'no draft waits in the thread');
});
