// Browser test of 跨市通办 between two OneWindow instances on loopback, each configured with the
// other as partner (`[tongban]`, one shared secret): a window of "南充" receives 社会保障卡申领,
// which 广安's platform concludes. A missing original is refused on the form; then the clerk
// checks the ID card, scans the photo and forwards. 广安's window finds the case received at the
// partner's window with the checked original, accepts it; 市人社局 reviews and approves; the
// window issues the result to the partner's window. 南充's page follows every step as 广安
// pushes it, and once the result is there the clerk hands it over, which completes the case in
// 广安. A message with a bad signature is refused.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startServer, launchBrowser, newPage, loginAs, factValue, shot, freePort, textOf,
} from './helpers.mjs';
import { FACTS, act, caseState, materialStatus, pdf, reviewAsFarAsAllowed } from './case-helpers.mjs';

const CARD = '11511600002360579Y3200040008001';
const SECRET = 'tongban-test-secret-0123456789';
/** A person registered on neither platform (valid check digit). */
const PERSON = { id: '51130219900101123X', name: '王五', phone: '13800001111' };

function config(dir, me, partner, port) {
  const file = join(dir, `${me.code}.toml`);
  writeFileSync(file, `[tongban]
code = "${me.code}"
name = "${me.name}"
[[tongban.partners]]
code = "${partner.code}"
name = "${partner.name}"
url = "http://127.0.0.1:${port}/api/tongban"
secret = "${SECRET}"
algorithm = "hmac-sm3"
`);
  return file;
}

/** Reloads until the text of `selector` matches, as a clerk refreshing the page would. */
async function waitForText(page, selector, pattern) {
  for (let i = 0; i < 40; i += 1) {
    if (pattern.test(await page.locator(selector).innerText())) return;
    await page.waitForTimeout(250);
    await page.reload();
  }
  assert.fail(`${selector} never matched ${pattern}: ${await textOf(page)}`);
}

describe('跨市通办 between two platforms in a browser', () => {
  const NC = { code: '511300', name: '南充市一体化政务服务平台' };
  const GA = { code: '511600', name: '广安市一体化政务服务平台' };
  let dir;
  let nanchong;
  let guangan;
  let browser;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'onewindow-tongban-'));
    const [pn, pg] = [await freePort(), await freePort()];
    [nanchong, guangan] = await Promise.all([
      startServer(['--config', config(dir, NC, GA, pg), '--listen', `127.0.0.1:${pn}`]),
      startServer(['--config', config(dir, GA, NC, pn), '--listen', `127.0.0.1:${pg}`]),
    ]);
    browser = await launchBrowser();
  });
  after(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      await Promise.all([nanchong, guangan].filter(Boolean).map((s) => s.stop()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a window forwards, the other city concludes, the person collects where they applied', async () => {
    const sessions = await Promise.all([nanchong, guangan, guangan, guangan, guangan].map((s) => newPage(browser, s)));
    const [window, gaClerk, first, second, chief] = sessions.map((p) => p.page);
    try {
      await loginAs(window, 'clerk');
      await window.goto('/tongban');
      await window.getByLabel('办理地平台').selectOption(GA.code);
      await Promise.all([window.waitForURL(/\/tongban\/new\?/), window.getByRole('button', { name: '选择事项' }).click()]);
      await window.getByLabel('事项（对方平台的跨市通办清单）').selectOption(CARD);
      await Promise.all([window.waitForURL(/item=/), window.getByRole('button', { name: '填写申请' }).click()]);
      await window.locator('#tb-id').fill(PERSON.id);
      await window.locator('#tb-name').fill(PERSON.name);
      await window.locator('#tb-phone').fill(PERSON.phone);
      await window.locator('#f_contact_phone').fill(PERSON.phone);
      await window.locator('#f_delivery').selectOption('窗口领取');
      // Forgetting the ID card: refused on the form, nothing forwarded.
      const send = window.getByRole('button', { name: `转办至${GA.name}` });
      await Promise.all([window.waitForLoadState('load'), send.click()]);
      assert.match(await window.locator('#error-summary').innerText(), /请核验或扫描“申请人居民身份证”/);
      assert.equal(await window.locator('#tb-id').inputValue(), PERSON.id, 'what was typed is kept');

      await window.locator('#mat-0').getByLabel('已核验原件').check();
      await window.locator('#file-2').setInputFiles(pdf(dir, '本人近期免冠彩色照片'));
      await Promise.all([window.waitForURL(/\/tongban\/[0-9a-f-]{36}$/), window.getByRole('button', { name: `转办至${GA.name}` }).click()]);
      const forward = window.url();
      const number = (await window.locator('#remote-number').innerText()).trim();
      assert.match(number, /^\d{19}$/);
      await waitForText(window, '#forward-status', /已提交（预审中）/);
      assert.match(await factValue(window, '#forward-facts', '申请人'), /王五（5113\*+123X）/);

      // 广安: the window finds it received at the partner's window, with the checked original.
      await loginAs(gaClerk, 'clerk');
      await gaClerk.goto('/work');
      const link = gaClerk.locator('#queue-clerk tbody td:first-child a', { hasText: number });
      assert.equal(await link.count(), 1, `case ${number} not in the clerk's queue: ${await textOf(gaClerk, '#queue-clerk')}`);
      await Promise.all([gaClerk.waitForURL(/\/cases\/[^/]+$/), link.click()]);
      const caseUrl = gaClerk.url();
      assert.match(await factValue(gaClerk, FACTS, '收件地点'), new RegExp(`${NC.name}·.*跨市通办`));
      assert.match(await factValue(gaClerk, FACTS, '取件地点'), new RegExp(NC.name));
      assert.match(await materialStatus(gaClerk, '申请人居民身份证'), /窗口核验原件/);
      assert.match(await materialStatus(gaClerk, '本人近期免冠彩色照片'), /上传/);
      await act(gaClerk, '#do-accept', '已受理');
      await waitForText(window, '#forward-status', /已受理/);

      for (const [page, who, opinion] of [[first, 'rsj', '材料齐全'], [second, 'rsj2', '信息核验无误'], [chief, 'rsj-pz', '同意制卡']]) {
        await loginAs(page, who);
        await page.goto(caseUrl);
        await reviewAsFarAsAllowed(page, opinion);
      }
      assert.equal(await caseState(chief), '准予许可');
      await gaClerk.goto(caseUrl);
      await act(gaClerk, '#do-issue', '出件中');

      // 南充: the result is at the window; the clerk hands it over, and 广安's case completes.
      await waitForText(window, '#forward-status', /结果已送达本窗口，待申请人领取/);
      assert.match(await window.locator('#forward-outcome').innerText(), /准予办理：社会保障卡申领/);
      assert.match(await window.locator('#forward-progress').innerText(), /已受理[\s\S]*准予许可[\s\S]*出件中/);
      await Promise.all([window.waitForURL(forward), window.locator('#hand-over').click()]);
      assert.match(await window.locator('#forward-status').innerText(), /已交付申请人，办结/);
      await shot(window, 'tongban-forward.png');
      await gaClerk.goto(caseUrl);
      assert.equal(await caseState(gaClerk), '已办结');
      await shot(gaClerk, 'tongban-case.png');
      await window.goto('/tongban');
      assert.match(await window.locator('#forwards').innerText(), new RegExp(`${number}[\\s\\S]*已交付申请人`));

      // A forward whose signature does not match is refused, and files nothing.
      const forged = await gaClerk.request.post(`${guangan.url}/api/tongban/forwards`, {
        headers: {
          'content-type': 'application/json',
          'x-onewindow-partner': NC.code,
          'x-onewindow-timestamp': String(Math.floor(Date.now() / 1000)),
          'x-onewindow-signature': `hmac-sm3=${'0'.repeat(64)}`,
        },
        data: JSON.stringify({ protocol: 'onewindow-tongban/1', reference: 'forged' }),
      });
      assert.equal(forged.status(), 403);
      assert.match((await forged.json()).message, /签名不符/);
    } finally {
      await Promise.all(sessions.map((p) => p.context.close()));
    }
  });
});
