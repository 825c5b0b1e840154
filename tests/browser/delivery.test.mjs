// Browser test of 邮寄送达: the demo server ships results through the courier simulator
// (tests/sims/courier.py, its own process, checking every signature). The window clerk issues
// the demo enterprise's approved 公司变更登记 by post, entering the recipient; the courier's
// scans come back signed over HTTP; the enterprise, on a phone, follows the parcel to its
// signature, which completes the case. Staff see the recipient masked.
//
// Screenshot: docs/screenshots/case-post-tracking.png (390 px wide).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser, newPage, shot, loginAs, textOf, startPeer, freePort, PHONE } from './helpers.mjs';
import { act, caseState } from './case-helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const COURIER = resolve(here, '..', 'sims', 'courier.py');
const SECRET = 'browser-courier-secret-0123456789';

describe('A result sent by post, as the window and the applicant see it', () => {
  let dir; let courier; let server; let browser;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'onewindow-post-'));
    courier = await startPeer('python3', COURIER, [SECRET, 'hmac-sm3']);
    const port = await freePort();
    const config = join(dir, 'onewindow.toml');
    writeFileSync(config, `[server]
listen = "127.0.0.1:${port}"
secure_cookies = false
public_url = "http://127.0.0.1:${port}"
[post]
carrier = "中国邮政 EMS"
url = "http://127.0.0.1:${courier.port}"
secret = "${SECRET}"
algorithm = "hmac-sm3"
sender_name = "广安市政务服务中心出件窗口"
sender_phone = "08282345678"
sender_address = "四川省广安市广安区政务服务中心"
`);
    server = await startServer(['--config', config, '--listen', `127.0.0.1:${port}`]);
    browser = await launchBrowser();
  });

  after(async () => {
    try {
      if (browser) await browser.close();
      if (server) await server.stop();
    } finally {
      courier?.proc.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Makes the courier scan the waybill; what the server answered its callback. */
  async function scan(body) {
    const r = await fetch(`http://127.0.0.1:${courier.port}/control/scan`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return r.json();
  }

  test('the clerk posts the result, the courier scans it to a signature, and the case completes', async () => {
    const ent = await newPage(browser, server, PHONE);
    await loginAs(ent.page, server.enterprise);
    await ent.page.goto('/cases');
    const link = ent.page.locator('tr', { hasText: '公司变更登记' }).locator('a[href^="/cases/"]').first();
    const href = await link.getAttribute('href');
    assert.match(href ?? '', /^\/cases\/[^/?]+$/, await textOf(ent.page));

    // The window: 邮寄 asks for the recipient; a wrong phone is named at its field.
    const clerk = await newPage(browser, server);
    await loginAs(clerk.page, 'clerk');
    await clerk.page.goto(href);
    assert.equal(await caseState(clerk.page), '准予许可');
    await clerk.page.locator('input[name=delivery][value=post]').check();
    assert.match(await textOf(clerk.page), /邮寄由中国邮政 EMS上门揽收/);
    await clerk.page.getByLabel('收件人（邮寄）').fill('王五');
    await clerk.page.getByLabel('收件人手机号（邮寄）').fill('1390000');
    await clerk.page.getByLabel('收件地址（邮寄）').fill('四川省广安市广安区建设路 8 号');
    await clerk.page.locator('#case-form #do-issue').click();
    await clerk.page.waitForLoadState('load');
    assert.match(await clerk.page.locator('#recipient_phone-err').innerText(), /手机/);
    assert.equal(await clerk.page.getByLabel('收件人（邮寄）').inputValue(), '王五', 'what was typed is kept');
    await clerk.page.locator('input[name=delivery][value=post]').check();
    await clerk.page.getByLabel('收件人手机号（邮寄）').fill('13900002222');
    await act(clerk.page, '#do-issue', '出件中');
    const waybill = (await clerk.page.locator('#waybill').innerText()).trim();
    assert.match(waybill, /^EMS\d+$/);
    assert.equal((await clerk.page.locator('#recipient').innerText()).trim(), '王*，139****2222，四川省广安市广安区建…');

    // The courier's scans, each signed and taken once.
    assert.equal((await scan({ waybill, status: 'picked_up', description: '广安揽投部已揽收' })).status, 200);
    assert.match((await scan({ waybill, again: true })).body, /repeated/);
    await scan({ waybill, status: 'out_for_delivery', description: '派送员 刘师傅' });
    const signed = await scan({ waybill, status: 'signed', description: '已签收', signer: '王五' });
    assert.equal(signed.status, 200, JSON.stringify(signed));

    // The enterprise follows it on the phone: signed, and the case is completed.
    await ent.page.goto(href);
    assert.equal(await caseState(ent.page), '已办结');
    assert.equal((await ent.page.locator('#shipment-state').innerText()).trim(), '已签收');
    assert.equal((await ent.page.locator('#recipient').innerText()).trim(), '王五，13900002222，四川省广安市广安区建设路 8 号');
    const scans = await ent.page.locator('#scans li').allInnerTexts();
    assert.equal(scans.length, 3, scans.join(' / '));
    assert.match(scans[0], /已签收.*（签收人：王五）/);
    assert.match(await textOf(ent.page), /系统\s*已办结/);
    await shot(ent.page, 'case-post-tracking.png');
  });
});
