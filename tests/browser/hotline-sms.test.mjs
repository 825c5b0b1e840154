// Browser test of 短信回访: the demo server sends through the SMS gateway simulator
// (tests/sims/sms_gateway.py, its own process, checking every signature). A complaint is filed,
// dispatched, accepted and answered; the operator texts the caller; the caller opens the link
// from the text on a phone, with no account, says it is resolved but not satisfied, and the
// ticket goes back to the department (重办 by rule). The link then answers no more.
//
// Screenshot: docs/screenshots/hotline-sms-callback.png (390 px wide).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser, newPage, shot, loginAs, alertText, assertFitsWidth, startPeer, DESKTOP, PHONE } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const GATEWAY = resolve(here, '..', 'sims', 'sms_gateway.py');
const SECRET = 'browser-sms-secret-0123456789';
const CALLER = '13922224444';

/** Posts the form holding `button` and waits for the page it leads to. */
async function press(page, button) {
  const navigated = page.waitForEvent('framenavigated', (f) => f === page.mainFrame());
  await button.click();
  await navigated;
  await page.waitForLoadState('load');
}

async function flash(page, id = '#ticket-flash') {
  const f = page.locator(id);
  return (await f.count()) ? (await f.innerText()).trim() : `problem: ${await alertText(page)}`;
}

/** The texts the gateway took for `phone`, waiting up to 10 s for at least `n`. */
async function textsTo(log, phone, n) {
  for (let i = 0; i < 40; i += 1) {
    if (existsSync(log)) {
      const all = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const mine = all.filter((t) => t.phone === phone);
      if (mine.length >= n) return mine;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`fewer than ${n} texts to ${phone}`);
}

describe('短信回访: the caller answers from a text, without an account', () => {
  let dir; let gateway; let server; let browser;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'onewindow-hotline-sms-'));
    const log = join(dir, 'texts.jsonl');
    gateway = { ...(await startPeer('python3', GATEWAY, [SECRET, 'hmac-sm3', log, '--templates', 'SMS_3001,SMS_0000'])), log };
    const config = join(dir, 'onewindow.toml');
    writeFileSync(config, `[notify.sms]
url = "http://127.0.0.1:${gateway.port}/sms/send"
secret = "${SECRET}"
algorithm = "hmac-sm3"
default_template = "SMS_0000"
templates = { hotline_callback = "SMS_3001" }
`);
    server = await startServer(['--config', config]);
    browser = await launchBrowser();
  });

  after(async () => {
    try {
      if (browser) await browser.close();
      if (server) await server.stop();
    } finally {
      gateway?.proc.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('texted, answered not satisfied on a phone, reopened; the link answers once', async () => {
    const { page: operator } = await newPage(browser, server, DESKTOP);
    const { page: handler } = await newPage(browser, server, DESKTOP);
    await loginAs(operator, 'hotline');
    await loginAs(handler, 'zjj');

    await operator.goto('/hotline/desk');
    await operator.locator('#kind').selectOption('complaint');
    await operator.locator('#class').selectOption('0101');
    await operator.locator('#region').selectOption('511602001');
    await operator.locator('#address').fill('北辰街道短信小区 2 栋');
    await operator.locator('#caller_name').fill('周短信');
    await operator.locator('#caller_phone').fill(CALLER);
    await operator.locator('#text').fill('短信小区 2 栋楼道灯坏了一个月');
    await press(operator, operator.locator('#file-button'));
    const url = new URL(operator.url()).pathname;
    const number = (await operator.locator('h1').innerText()).replace('工单', '').trim();
    await operator.locator('#step-department').selectOption('511600-ZJJ');
    await press(operator, operator.locator('#dispatch-form button[type=submit]'));
    assert.match(await flash(operator), /已派单/);

    await handler.goto(url);
    await press(handler, handler.locator('#accept-button'));
    await handler.locator('#step-text').fill('已责成物业更换楼道灯');
    await press(handler, handler.locator('#reply-form button[type=submit]'));
    assert.match(await flash(handler), /等待回访/);

    // The operator texts the caller; the button is gone once sent.
    await operator.goto(url);
    await press(operator, operator.locator('#ask-sms-button'));
    assert.match(await flash(operator), /已发送短信回访/);
    assert.match(await operator.locator('#sms-asked').innerText(), /等待群众通过短信链接答复/);
    assert.equal(await operator.locator('#ask-sms-button').count(), 0);

    // The text, signed and on the callback template, carries the number and a link.
    const [text] = await textsTo(gateway.log, CALLER, 1);
    assert.equal(text.template_code, 'SMS_3001');
    assert.match(text.params.content, new RegExp(number));
    const link = new URL(text.params.content.match(/https?:\/\/\S+\/cb\/[0-9a-f]{24}/)[0]).pathname;

    // The caller, on a phone, logged in nowhere.
    const { page: caller } = await newPage(browser, server, PHONE);
    await caller.goto(link);
    assert.match(await caller.locator('h1').innerText(), new RegExp(number));
    assert.match(await caller.locator('#cb-answer').innerText(), /已责成物业更换楼道灯/);
    assert.doesNotMatch(await caller.locator('main').innerText(), /周短信|13922224444/, 'nothing personal on the page');
    await assertFitsWidth(caller, PHONE.width);
    await shot(caller, 'hotline-sms-callback.png');
    // Nothing chosen: both questions named, nothing recorded.
    await press(caller, caller.locator('#cb-submit'));
    const problems = await alertText(caller);
    assert.match(problems, /请选择问题是否解决/);
    assert.match(problems, /请选择是否满意/);
    await caller.locator('#cb-resolved-yes').check();
    await caller.locator('#cb-satisfied-no').check();
    await caller.locator('#cb-note').fill('灯换了但又坏了');
    await press(caller, caller.locator('#cb-submit'));
    assert.match(await flash(caller, '#cb-flash'), /退回承办单位重新办理/);
    assert.equal(await caller.locator('#cb-form').count(), 0, 'the link answers once');
    await caller.goto(link);
    assert.match(await caller.locator('#cb-done').innerText(), /已答复过/);

    // The operator sees the caller's answer and the ticket back with the department.
    await operator.goto(url);
    assert.equal((await operator.locator('#ticket-state').innerText()).trim(), '办理中');
    assert.match(await operator.locator('#ticket-callback').innerText(), /短信回访：已解决，不满意（灯换了但又坏了）/);
    assert.match(await operator.locator('#ticket-events').innerText(), /发送短信回访[\s\S]*回访/);
  });
});
