// Browser tests of the case lifecycle (办件): a citizen applies online, the comprehensive
// window asks once for the missing materials (一次性告知), the department reviews and approves,
// the window issues the result and closes the case; a clerk takes an application at the
// window; and one applicant cannot open another's case.
//
// Like catalog.test.mjs, it starts its own demo server and Chromium (see helpers.mjs) and
// writes screenshots to docs/screenshots/: case-citizen.png, work-queue.png, case-staff.png.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PHONE, startServer, launchBrowser, newPage as openPage, shot, loginAs, factValue, openFoodGuide, assertFitsWidth,
} from './helpers.mjs';
import {
  FACTS, pdf, problem, caseState, act, caseId, applyOnline, materialNames, openFromQueue, fillForm, uploadKeyMaterials,
} from './case-helpers.mjs';

let server; // from startServer()
let browser;
let filesDir; // the PDFs the applicants upload

const newPage = (viewport, extra) => openPage(browser, server, viewport, extra);

/** The texts of the timeline entries, without their time and actor. */
async function timeline(page) {
  return page.locator('ol#timeline > li').evaluateAll((items) => items.map((li) => {
    const copy = li.cloneNode(true);
    copy.querySelectorAll('time, .muted').forEach((e) => e.remove());
    return copy.textContent.trim();
  }));
}

describe('Cases (办件) in a browser', () => {
  before(async () => {
    filesDir = mkdtempSync(join(tmpdir(), 'onewindow-uploads-'));
    server = await startServer();
    assert.ok(server.citizen && server.enterprise,
      `the demo applicants' logins were not printed at start\n${server.output()}`);
    browser = await launchBrowser();
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      if (server) await server.stop();
      if (filesDir) rmSync(filesDir, { recursive: true, force: true });
    }
  });

  test('a citizen applies online, supplies the missing materials after one notice, and the case is reviewed, approved, issued and completed', async () => {
    const citizen = await newPage();
    const clerk = await newPage();
    const reviewer = await newPage();
    const approver = await newPage();
    try {
      // The citizen applies from the guide, uploads only the first material and submits.
      const { page } = citizen;
      await loginAs(page, server.citizen);
      const { id } = await applyOnline(page);
      const names = await materialNames(page);
      assert.ok(names.length >= 3, `expected at least 3 material rows, got ${names.join('、')}`);
      // Online, the form and the core materials (核心) must come with the filing; the others
      // may follow under 容缺 after one notice.
      const online = await page.locator('#case-form button#do-submit').count();
      assert.equal(online, 1);
      await act(page, '#do-submit').then(() => assert.fail('an empty filing went through'), () => {});
      assert.match(await page.locator('#case-error, .error-summary').first().innerText(), /请填写|请提供/);
      await fillForm(page);
      await uploadKeyMaterials(page, filesDir);
      await act(page, '#do-submit', '已提交（预审中）');
      const number = await factValue(page, FACTS, '办件编号');
      assert.match(number, /^\d{6}\d{8}\d{5}$/, `the case number is ${number}`);
      const firstRow = page.locator('#materials tbody tr').first();
      assert.match(await firstRow.innerText(), new RegExp(`已上传.*${names[0]}\\.pdf`));

      // The window finds it in its queue and asks once for everything missing.
      await loginAs(clerk.page, 'clerk');
      await openFromQueue(clerk.page, 'clerk', number, id);
      assert.equal(await caseState(clerk.page), '已提交（预审中）');
      const listed = await clerk.page.locator('#case-form input[name=supp_mat]:checked').evaluateAll((boxes) => boxes.map((b) => b.value));
      await clerk.page.locator('#note').fill('请上传全部材料的清晰扫描件');
      await act(clerk.page, '#do-supplement', '待补正');

      // The citizen sees the one-time notice listing the missing materials, and supplies them.
      await page.goto(`/cases/${id}`);
      assert.equal(await caseState(page), '待补正');
      const notice = page.locator('main section.card', { has: page.locator('h2', { hasText: '一次性补正告知' }) });
      assert.equal(await notice.count(), 1, `no 一次性补正告知 on the citizen's page: ${await problem(page)}`);
      const noticeText = await notice.innerText();
      assert.ok(listed.length > 0, 'the clerk\'s form preselected no missing material');
      for (const m of listed) assert.ok(noticeText.includes(m), `the notice does not list ${m}: ${noticeText}`);
      assert.ok(!noticeText.includes(names[0]), `the notice lists the uploaded ${names[0]}: ${noticeText}`);
      assert.match(noticeText, /说明：请上传全部材料的清晰扫描件/);
      for (let i = 1; i < names.length; i++) {
        await page.locator(`#file_${i}`).setInputFiles(pdf(filesDir, names[i]));
      }
      await act(page, '#do-supply', '已提交（预审中）');

      // The window accepts.
      await clerk.page.goto(`/cases/${id}`);
      await act(clerk.page, '#do-accept', '已受理');

      // The reviewer finds it waiting, claims and completes both of the reviewer's steps.
      await loginAs(reviewer.page, 'reviewer');
      await reviewer.page.goto('/work');
      const row = reviewer.page.locator('#queue-reviewer tbody tr', { hasText: number });
      assert.equal(await row.count(), 1, `case ${number} is not in the reviewer's queue`);
      assert.match(await row.innerText(), /已受理/);
      await shot(reviewer.page, 'work-queue.png');
      await openFromQueue(reviewer.page, 'reviewer', number, id);
      await act(reviewer.page, '#do-claim', '审查中');
      await reviewer.page.locator('#reason').fill('材料齐全，符合法定形式，同意。');
      await act(reviewer.page, '#do-step', '审查中');
      // 审核 is someone else's: the one who did 承办 is not offered it.
      assert.equal(await reviewer.page.locator('#do-claim').count(), 0, 'the reviewer may claim the next step too');
      const second = await newPage();
      try {
        await loginAs(second.page, 'reviewer2');
        await openFromQueue(second.page, 'reviewer', number, id);
        await act(second.page, '#do-claim', '审查中');
        await second.page.locator('#reason').fill('经审核，场所与设施符合要求，建议准予许可。');
        await act(second.page, '#do-step', '审查中');
        assert.equal(await second.page.locator('#do-claim').count(), 0, 'a reviewer may claim the approver\'s step');
      } finally {
        await second.context.close();
      }

      // The approver claims the last step and approves.
      await loginAs(approver.page, 'approver');
      await openFromQueue(approver.page, 'approver', number, id);
      await act(approver.page, '#do-claim', '审查中');
      await approver.page.locator('#reason').fill('符合《食品经营许可和备案管理办法》规定的条件');
      await shot(approver.page, 'case-staff.png');
      await act(approver.page, '#do-approve', '准予许可');

      // The window issues the result (collected at the window) and closes the case.
      await openFromQueue(clerk.page, 'clerk', number, id);
      assert.equal(await clerk.page.locator('#case-form input[name=delivery][value=window]').isChecked(), true,
        '窗口领取 is not the default delivery');
      await act(clerk.page, '#do-issue', '出件中');
      await act(clerk.page, '#do-complete', '已办结');

      // The citizen sees it completed, with the whole story in order.
      await page.goto('/cases');
      const mine = page.locator('main table tbody tr', { hasText: number });
      assert.equal(await mine.count(), 1, `case ${number} is not listed in 我的办件`);
      assert.match(await mine.innerText(), /已办结/);
      await Promise.all([page.waitForURL(new RegExp(`/cases/${id}$`)), mine.locator('a').click()]);
      assert.equal(await caseState(page), '已办结');
      const entries = await timeline(page);
      let at = -1;
      for (const expected of ['一次性告知补正', '已受理', '准予许可', '已办结']) {
        const i = entries.findIndex((text, j) => j > at && text.startsWith(expected));
        assert.ok(i > at, `the timeline has no ${expected} after entry ${at}: ${entries.join(' | ')}`);
        at = i;
      }
      await shot(page, 'case-citizen.png');

      // A bad rating opens a 整改 ticket in the department, which is offered only the steps
      // that fit an open ticket (no revisit before contact, no appeal decision for itself).
      await Promise.all([page.waitForURL(new RegExp(`/cases/${id}/rate$`)), page.locator('#rate-link').click()]);
      await page.locator('#rate-form input[name=level][value="5"]').check();
      await page.locator('#rate-form input[name=tag][value="一次性告知不清楚"]').check();
      await page.locator('#rate-text').fill('补正说明写得不够清楚');
      await Promise.all([page.waitForLoadState('load'), page.locator('#do-rate').click()]);
      assert.match(await page.locator('#ticket-state').innerText(), /待核实联系/, await problem(page));
      await reviewer.page.goto('/work');
      const options = await reviewer.page.locator('#tickets select[name=action] option').allInnerTexts();
      assert.deepEqual(options, ['核实联系', '恶意差评申诉'], `整改 actions offered on an open ticket: ${options.join('、')}`);
    } finally {
      for (const p of [citizen, clerk, reviewer, approver]) await p.context.close();
    }
  });

  test('a clerk takes an application at the window, checks the originals, submits and accepts it, and the reviewer sees it waiting', async () => {
    const clerk = await newPage();
    const reviewer = await newPage();
    try {
      const { page } = clerk;
      await loginAs(page, 'clerk');
      const code = await openFoodGuide(page);
      await page.goto('/work');
      await page.locator('#w-item').fill(code);
      await page.locator('#w-app').fill(server.citizen);
      await Promise.all([
        page.waitForURL(/\/cases\/[^/?]+$/),
        page.getByRole('button', { name: '开始受理', exact: true }).click(),
      ]).catch(async (e) => { throw new Error(`开始受理 failed: ${await problem(page)}\n${e.message}`); });
      const id = caseId(page.url());
      assert.equal(await caseState(page), '草稿');
      assert.equal(await factValue(page, FACTS, '办理渠道'), '窗口受理');

      const checks = page.locator('#case-form input[type=checkbox][name^=check_]');
      const rows = await page.locator('#materials tbody tr').count();
      assert.equal(await checks.count(), rows, 'not every material row has an 已核验原件 checkbox');
      for (const box of await checks.all()) await box.check();
      await fillForm(page);
      await act(page, '#do-submit', '已提交（预审中）');
      const statuses = await page.locator('#materials tbody tr td:nth-child(2)').allInnerTexts();
      assert.ok(statuses.every((s) => s.includes('窗口核验原件')), `not every material is checked: ${statuses.join('、')}`);
      await act(page, '#do-accept', '已受理');
      const number = await factValue(page, FACTS, '办件编号');

      await loginAs(reviewer.page, 'reviewer');
      await reviewer.page.goto('/work');
      const queue = reviewer.page.locator('#queue-reviewer');
      assert.match(await queue.locator('h2').innerText(), /承办审核人员待办/);
      const link = queue.locator('tbody td:first-child a', { hasText: number });
      assert.equal(await link.count(), 1, `case ${number} is not under 承办审核人员待办: ${(await queue.innerText()).replace(/\s+/g, ' ')}`);
      assert.equal(await link.getAttribute('href'), `/cases/${id}`);
    } finally {
      await clerk.context.close();
      await reviewer.context.close();
    }
  });

  test('on a 390 px phone the draft, the notice and the clerk\'s work page fit without sideways scrolling, and the PDF downloads', async () => {
    const phone = { isMobile: true, hasTouch: true, deviceScaleFactor: 1 };
    const citizen = await newPage(PHONE, phone);
    const clerk = await newPage(PHONE, phone);
    try {
      const { page } = citizen;
      await loginAs(page, server.citizen);
      const { id } = await applyOnline(page);
      await page.locator('#materials').waitFor();
      await assertFitsWidth(page, PHONE.width);
      await shot(page, 'case-mobile.png');
      // The upload controls stay reachable on a phone.
      assert.ok(await page.locator('#materials input[type=file]').first().isVisible());

      await loginAs(clerk.page, 'clerk');
      await clerk.page.goto('/work');
      await assertFitsWidth(clerk.page, PHONE.width);

      // Submit with the form and the core materials only, so the window can send the
      // one-time notice for the rest.
      await fillForm(page);
      await uploadKeyMaterials(page, filesDir);
      await act(page, '#do-submit', '已提交（预审中）');
      await clerk.page.goto(`/cases/${id}`);
      await assertFitsWidth(clerk.page, PHONE.width);
      await act(clerk.page, '#do-supplement', '待补正');
      await page.goto(`/cases/${id}/notices/supplement`);
      assert.match(await page.locator('h1').innerText(), /补正材料通知书/);
      await assertFitsWidth(page, PHONE.width);
      const response = await page.request.get(`/cases/${id}/notices/supplement/pdf`);
      assert.equal(response.status(), 200);
      assert.equal(response.headers()['content-type'], 'application/pdf');
      assert.equal((await response.body()).subarray(0, 5).toString(), '%PDF-');
    } finally {
      await citizen.context.close();
      await clerk.context.close();
    }
  });

  test('another applicant opening a citizen\'s case page gets the 404 page, the same as for a case that does not exist', async () => {
    const citizen = await newPage();
    const other = await newPage();
    try {
      await loginAs(citizen.page, server.citizen);
      const { id } = await applyOnline(citizen.page);

      const { page } = other;
      await loginAs(page, server.enterprise);
      const response = await page.goto(`/cases/${id}`);
      assert.equal(response.status(), 404);
      assert.equal((await page.locator('main h1').innerText()).trim(), '找不到页面');
      const text = await page.locator('main').innerText();
      assert.match(text, /不存在/);
      assert.ok(!text.includes('食品'), `the 404 page reveals the case's item: ${text}`);
      assert.equal(await page.locator('#case-form').count(), 0);

      // Indistinguishable from an id that does not exist, so ids cannot be probed.
      const missing = await page.goto('/cases/00000000-0000-7000-8000-000000000000');
      assert.equal(missing.status(), 404);
      assert.equal(await page.locator('main').innerText(), text);
    } finally {
      await citizen.context.close();
      await other.context.close();
    }
  });
});
