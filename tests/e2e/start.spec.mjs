// The first-run guide as a new user meets it, in headless Debian Chromium driven by playwright-core:
// a fresh `smsflow serve`, the setup page, then the guide: workflows from a starter, a text on the
// in-browser phone answered through the real pipeline (simulator channel) and shown in the inbox,
// and pasted Twilio credentials checked (a malformed SID refused at once; Twilio unreachable said).
//
//   SMSFLOW_BIN=target/debug/smsflow node tests/e2e/start.spec.mjs
//
// Env: see browser.mjs.
import { EMAIL, PASSWORD, browserTest, check, screenshot } from './browser.mjs';

// Nothing listens on the discard port: the credentials check must say Twilio could not be reached.
const UNREACHABLE_TWILIO = 'http://127.0.0.1:9';

await browserTest(async ({ base, page }) => {
  // Setup in the browser leads straight to the guide.
  await page.goto(`${base}/`);
  await page.waitForURL(`${base}/setup`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Password again').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create admin and sign in' }).click();
  await page.waitForURL(`${base}/start`);
  check(await page.getByRole('heading', { name: 'Get started' }).isVisible(), 'after setup, the first-run guide');
  check((await page.locator('#progress').textContent()).trim() === '0 of 4 done.', 'nothing is done yet');
  check(!(await page.locator('#nav-unread').isVisible()), 'with nothing unread, the Inbox link shows no count');

  // Workflows from a starter.
  check(await page.getByText('Book an appointment · Urgent dental problem · Prices and insurance').isVisible(),
    'each starter lists the workflows it creates');
  await page.getByRole('button', { name: 'Use the Clinic starter' }).click();
  await page.waitForURL(/\/start\?notice=/);
  check((await page.locator('#start-notice').textContent()).startsWith('Created Book an appointment, Urgent dental problem'),
    'the Clinic starter creates its workflows');
  check(await page.locator('#step-workflows.done').isVisible()
    && (await page.locator('#progress').textContent()).trim() === '1 of 4 done.', 'the first step is ticked');
  await page.getByRole('button', { name: 'Use the Clinic starter' }).click();
  await page.waitForURL(/\/start\?notice=/);
  check((await page.locator('#start-notice').textContent()).includes('there already'),
    'using a starter twice creates nothing twice');

  // A text on the phone is answered by the agent, in place.
  await page.evaluate(() => { window.sameGuidePage = true; });
  await page.getByLabel('Text', { exact: true }).fill('hi, my tooth is broken and bleeding');
  await page.getByRole('button', { name: 'Send' }).click();
  const replies = page.locator('#phone .sms.theirs');
  await replies.first().waitFor();
  check((await page.locator('#phone .sms.mine').first().textContent()).includes('my tooth is broken'),
    'the phone shows the text it sent');
  const reply = (await replies.allTextContents()).join(' ');
  check(reply.includes('in pain'), `the urgent workflow answers with its template (${reply})`);
  check(await page.evaluate(() => window.sameGuidePage === true)
    && (await page.locator('#progress').textContent()).trim() === '2 of 4 done.'
    && await page.locator('#step-phone-title .tick').isVisible(),
  'the phone answers in place and the step is ticked');
  await page.getByLabel('Text', { exact: true }).fill('Ana Ruiz');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('#phone .sms.mine').nth(1).waitFor();
  check((await page.locator('#phone .sms.theirs').allTextContents()).some((text) => text.includes('call you within the hour')),
    'the conversation goes on: the next step answers with the ticket');
  await screenshot(page, 'first-run-guide', { fullPage: true });

  // Nothing typed is lost on an empty send.
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('#phone-error').waitFor();
  check((await page.locator('#phone-error').textContent()).includes('Type a text'), 'an empty text is refused with a reason');

  // The same conversation is in the inbox.
  await page.goto(`${base}/conversations`);
  check(await page.getByText('+12025550142').first().isVisible(), 'the phone\'s conversation is in the inbox');

  // Twilio credentials: a malformed SID is refused without asking Twilio.
  await page.goto(`${base}/start`);
  await page.getByLabel('Account SID').fill('12345');
  await page.getByLabel('Auth Token').fill('secret');
  await page.getByRole('button', { name: 'Check with Twilio' }).click();
  await page.locator('#twilio-check').waitFor();
  check((await page.locator('#twilio-check').textContent()).includes('starts with AC'), 'a malformed Account SID is explained');
  // A well-formed one is checked with Twilio's API; here nothing answers, and the page says so.
  await page.getByLabel('Account SID').fill('AC0123456789abcdef0123456789abcdef');
  await page.getByLabel('Auth Token').fill('0123456789abcdef0123456789abcdef');
  await page.getByRole('button', { name: 'Check with Twilio' }).click();
  await page.locator('#twilio-check').waitFor();
  const unreachable = await page.locator('#twilio-check').textContent();
  check(unreachable.includes(`cannot reach Twilio at ${UNREACHABLE_TWILIO}`), `an unreachable Twilio is named (${unreachable.trim()})`);
  check(await page.getByLabel('Auth Token').inputValue() === '', 'the pasted token is not sent back to the page');
}, { SMSFLOW_TWILIO_API_BASE: UNREACHABLE_TWILIO });
