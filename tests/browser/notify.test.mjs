// Browser test of 消息提醒: the demo server sends its notifications as texts through the SMS
// gateway simulator (tests/sims/sms_gateway.py, its own process, checking every signature). The
// demo citizen, on a phone-sized screen, finds the settings from 我的办件, sees the texts already
// sent to their masked number, is told plainly when the email address is missing, and turns
// texts off for email; the gateway received only correctly signed texts. The administrator sees
// the counts and the latest messages, masked, on /admin/events.
//
// Screenshot: docs/screenshots/account-notifications.png (390 px wide).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser, newPage, shot, loginAs, textOf, startPeer, PHONE } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const GATEWAY = resolve(here, '..', 'sims', 'sms_gateway.py');
const SMTP = resolve(here, '..', 'sims', 'smtp_sink.py');
// The SMTP server needs aiosmtpd: scripts/test.sh installs it into a virtualenv and names it.
const PYTHON = process.env.ONEWINDOW_SIM_PYTHON || 'python3';
const SECRET = 'browser-sms-secret-0123456789';

/** The SMS gateway, taking the two approved templates; its log lists the texts it took. */
async function startGateway(dir) {
  const log = join(dir, 'texts.jsonl');
  const sim = await startPeer('python3', GATEWAY, [SECRET, 'hmac-sm3', log, '--templates', 'SMS_2001,SMS_0000']);
  return { ...sim, log };
}

/** The SMTP server (aiosmtpd). */
async function startSmtp(dir) {
  const log = join(dir, 'mail.jsonl');
  return { ...(await startPeer(PYTHON, SMTP, [log])), log };
}

/** The rows of the recent-messages table, cells joined by " | ". */
async function recent(page) {
  return page.locator('section.card').filter({ has: page.locator('h2', { hasText: '最近发出的提醒' }) })
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()).join(' | ')));
}

describe('Texts beside the inbox, as the citizen sets them', () => {
  let dir; let gateway; let smtp; let server; let browser;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'onewindow-notify-'));
    gateway = await startGateway(dir);
    smtp = await startSmtp(dir);
    const config = join(dir, 'onewindow.toml');
    writeFileSync(config, `[notify.sms]
url = "http://127.0.0.1:${gateway.port}/sms/send"
secret = "${SECRET}"
algorithm = "hmac-sm3"
default_template = "SMS_0000"
templates = { case_progress = "SMS_2001" }
[notify.email]
host = "127.0.0.1"
port = ${smtp.port}
tls = "none"
from = "一窗通办 <noreply@onewindow.example.cn>"
[notify.limits]
per_hour = 50
per_day = 100
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
      smtp?.proc.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the citizen sees the texts sent, and chooses email instead', async () => {
    const { page } = await newPage(browser, server, PHONE);
    await loginAs(page, server.citizen);
    await page.goto('/cases');
    await page.getByRole('link', { name: /短信、邮件提醒/ }).first().click();
    assert.equal(await page.locator('h1').innerText(), '消息提醒');
    // The demo's case progress went out as texts to the account's phone, shown masked.
    let rows = [];
    for (let i = 0; i < 40 && !rows.some((r) => r.includes('已发送')); i += 1) {
      await page.waitForTimeout(500);
      await page.reload();
      rows = await recent(page);
    }
    assert.ok(rows.some((r) => r.includes('短信 | 138****0000 | 已发送')), `recent: ${rows.join(' / ')}\n${await textOf(page)}`);
    assert.ok(!(await textOf(page)).includes('13800000000'), 'the full number is not shown');
    assert.ok(await page.getByLabel(/短信/).isChecked(), 'texts are on by default');

    // Email without an address: the field says what is missing, nothing is saved.
    await page.getByLabel('电子邮件').check();
    await page.getByRole('button', { name: '保存' }).click();
    assert.match(await page.locator('.alert').innerText(), /1 处问题/);
    assert.match(await page.locator('#email_address-err').innerText(), /请填写邮箱地址/);

    await page.getByLabel(/短信/).uncheck();
    await page.getByLabel('邮箱地址').fill('zhangsan@example.cn');
    await Promise.all([page.waitForURL(/flash=saved/), page.getByRole('button', { name: '保存' }).click()]);
    assert.match(await page.locator('.flash').innerText(), /已保存/);
    assert.ok(!(await page.getByLabel(/短信/).isChecked()));
    assert.ok(await page.getByLabel('电子邮件').isChecked());
    await shot(page, 'account-notifications.png');

    // What the gateway received: signed texts on the approved template (unsigned ones get 401
    // and are never logged), each once.
    assert.ok(existsSync(gateway.log), 'the gateway received nothing');
    const texts = readFileSync(gateway.log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(texts.length > 0 && texts.every((t) => t.phone === '13800000000' && t.sign_name === '一窗通办'));
    assert.ok(texts.some((t) => t.template_code === 'SMS_2001'));
    const ids = texts.map((t) => t.out_id);
    assert.equal(new Set(ids).size, ids.length, 'a text was sent twice');
  });

  test('the administrator sees what was sent, masked, on the event delivery page', async () => {
    const { page } = await newPage(browser, server);
    await loginAs(page, 'admin');
    await page.goto('/admin/events');
    const card = page.locator('section.card').filter({ has: page.locator('h2', { hasText: '短信与邮件' }) });
    const text = await card.innerText();
    assert.match(text, /短信\s+已发送\s+\d+/, text);
    assert.match(text, /138\*\*\*\*0000/);
    assert.match(text, /办件进展/, 'what each message was about, in Chinese');
    assert.ok(!text.includes('13800000000'), 'a full number is shown to the administrator');
    assert.ok(!text.includes('办件 5116'), 'the texts themselves are the recipients\' business');
  });
});
