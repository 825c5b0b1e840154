// Browser test for 自助办事 at a 7×24 kiosk (1080×1920 portrait): the kiosk's identity reader
// (here `onewindow kiosk-reader`, a separate process posting a signed reading over HTTP, as a
// vendor's shell does) logs the demo citizen in through a one-time link; the kiosk lists the
// items marked 自助可办; the citizen applies for one and finds it in 我的办件; the link works
// once; a face that does not match and a wrong secret are refused; the session ends at 退出
// and after 60 s without a touch, and the kiosk is ready for the next person.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, demoSite, shot, textOf, alertText } from './helpers.mjs';
import { caseState, fillForm, pdf } from './case-helpers.mjs';

const run = promisify(execFile);
const HALL = '511600-ZWZX';
const KIOSK = { width: 1080, height: 1920 };
const ITEM = '跨省异地就医直接结算备案';

/** 我的办件 asks whoever is at the kiosk to log in: nobody's session is left open. */
async function loggedOut(page) {
  await page.goto('/cases');
  const header = await textOf(page, 'header.site');
  assert.doesNotMatch(header, /张三/);
  assert.match(header, /登录/);
}

describe('自助办事 at a kiosk', () => {
  const site = demoSite();

  /** The reader reports a card: the entry link it prints, or the refusal it exits with. */
  async function read(extra = [], secret = `demo-kiosk-secret-${HALL}`) {
    const args = [
      'kiosk-reader', '--url', site.server.url, '--kiosk', `${HALL}-K01`, '--hall', HALL,
      '--secret', secret, '--name', '张三', '--id-number', site.server.citizen, ...extra,
    ];
    try {
      const { stdout } = await run(BIN, args, { env: { ...process.env, RUST_BACKTRACE: '0' } });
      return { link: stdout.trim() };
    } catch (e) {
      return { refused: String(e.stderr) };
    }
  }

  test('card and face at the reader, apply for a 自助可办 item, log out', async () => {
    const refusedFace = await read(['--face-mismatch']);
    assert.match(refusedFace.refused ?? '', /人证比对未通过/);
    const forged = await read([], 'not-the-kiosk-secret-at-all');
    assert.match(forged.refused ?? '', /403.*签名不符/);

    const { link } = await read();
    assert.ok(link, 'the reader got no entry link');
    const kiosk = await site.newPage(KIOSK);
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-'));
    try {
      const { page } = kiosk;
      await page.goto(link);
      assert.match(new URL(page.url()).pathname, new RegExp(`/halls/${HALL}/kiosk/apply$`));
      assert.equal(await page.locator('html.kiosk-session').count(), 1);
      const header = await textOf(page, 'header.site');
      assert.match(header, /7×24 自助终端/);
      assert.match(header, /张三/);
      const items = await textOf(page, '#kiosk-items');
      assert.match(items, new RegExp(ITEM));
      assert.match(items, /社会保障卡申领/);
      // Only items marked 自助可办: the food licence is for windows and online.
      assert.doesNotMatch(items, /食品/);
      await shot(page, 'kiosk-self-service.png');

      // The link was good once.
      const other = await site.newPage(KIOSK);
      try {
        const res = await other.page.goto(link);
        assert.equal(res.status(), 422);
        assert.match(await alertText(other.page), /已使用或已失效/);
      } finally {
        await other.context.close();
      }

      // Apply: the form, both materials scanned (the kiosk's document camera feeds the file
      // inputs), submit.
      const card = page.locator('#kiosk-items li', { hasText: ITEM });
      await Promise.all([page.waitForURL(/\/cases\/[^/?]+$/), card.getByRole('button', { name: '开始办理' }).click()]);
      assert.equal(await caseState(page), '草稿');
      await fillForm(page);
      for (const row of await page.locator('#materials tbody tr').all()) {
        const input = row.locator('input[type=file]');
        if ((await input.count()) === 0) continue;
        const name = (await row.locator('label[for^=file_]').textContent()).trim().replace(/^上传/, '');
        await input.setInputFiles(pdf(dir, name));
      }
      await Promise.all([page.waitForURL(/\/cases\/[^/?]+$/, { waitUntil: 'load' }), page.locator('#do-submit').click()]);
      assert.notEqual(await caseState(page), '草稿', `not submitted: ${await textOf(page)}`);
      // The item decides by rule at once (秒批): the result is there before the person leaves.
      assert.equal(await caseState(page), '准予许可');
      const number = (await textOf(page)).match(/\b\d{19}\b/)?.[0];
      assert.ok(number, 'no case number on the case page');
      await shot(page, 'kiosk-case-submitted.png');
      // The kiosk prints the decision: its printer is the browser's (the shell has no menu).
      await Promise.all([page.waitForURL(/\/notices\//), page.getByRole('link', { name: '审批决定书', exact: true }).click()]);
      await page.evaluate(() => { window.printed = 0; window.print = () => { window.printed += 1; }; });
      await page.locator('#print-notice').click();
      assert.equal(await page.evaluate(() => window.printed), 1);
      await page.goBack();
      await Promise.all([page.waitForURL(/\/cases$/), page.locator('header.site').getByRole('link', { name: '我的办件' }).click()]);
      assert.match(await textOf(page), new RegExp(ITEM));
      assert.match(await textOf(page), new RegExp(number));

      // 退出: back at the kiosk's start, logged out.
      await Promise.all([page.waitForURL(new RegExp(`/halls/${HALL}/kiosk$`)), page.locator('#kiosk-logout button').click()]);
      assert.equal(await page.locator('html.kiosk-session').count(), 0);
      await loggedOut(page);
    } finally {
      await kiosk.context.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a kiosk session left alone for 60 s logs itself out', async () => {
    const { link } = await read();
    const kiosk = await site.newPage(KIOSK);
    try {
      const { page } = kiosk;
      await page.clock.install();
      await page.goto(link);
      assert.match(new URL(page.url()).pathname, /\/kiosk\/apply$/);
      await Promise.all([
        page.waitForURL(new RegExp(`/halls/${HALL}/kiosk$`)),
        page.clock.fastForward(61_000),
      ]);
      await loggedOut(page);
    } finally {
      await kiosk.context.close();
    }
  });

  test('the demo kiosk offers a simulated card for trying it out', async () => {
    const kiosk = await site.newPage(KIOSK);
    try {
      const { page } = kiosk;
      await page.goto(`/halls/${HALL}/kiosk?reader=simulated`);
      await Promise.all([
        page.waitForURL(/\/kiosk\/apply$/),
        page.locator('#kiosk-simulated-login button').click(),
      ]);
      assert.match(await textOf(page, 'header.site'), /张三/);
      // The next card read at this kiosk ends the session left open, not only its cookie.
      const left = (await kiosk.context.cookies()).find((c) => c.name === 'ow_session').value;
      const { link } = await read();
      await page.goto(link);
      const old = await fetch(`${site.server.url}/cases`, { headers: { cookie: `ow_session=${left}` } });
      assert.doesNotMatch(await old.text(), /已登录：张三|<span class="who">张三/);
      // Without the demo switch there is no such button.
      await page.goto(`/halls/${HALL}/kiosk`);
      assert.equal(await page.locator('#kiosk-simulated-login').count(), 0);
    } finally {
      await kiosk.context.close();
    }
  });
});
