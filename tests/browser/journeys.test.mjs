// Browser tests of the core journeys made right (issue 21), at desktop width and on a 390 px
// phone: a form mistake keeps what was typed and the files chosen; Enter in 补正说明 decides
// nothing; one reviewer cannot hold two consecutive steps; a walk-in is served without an
// account and later finds the case by registering; 新生儿出生 files every member for the baby;
// the queue is searched; on a phone the navigation folds and 长辈版 enlarges every page.
//
// Like the other suites it starts its own demo server and Chromium (see helpers.mjs) and writes
// screenshots to docs/screenshots/: form-errors-phone.png, walk-in.png, newborn-progress.png,
// for-a-child.png, for-a-child-phone.png.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DESKTOP, PHONE, demoSite, shot, loginAs, factValue, textOf, assertFitsWidth, alertText, FOOD_ITEM,
} from './helpers.mjs';
import {
  FACTS, pdf, problem, caseState, act, applyOnline, fillForm, offeredActions, openFromQueue,
  openFromWorkList, workListsWith,
} from './case-helpers.mjs';

/** A valid 公民身份号码 from its first 17 digits (GB 11643 check character). */
function idNumber(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((acc, w, i) => acc + Number(first17[i]) * w, 0);
  return first17 + '10X98765432'[sum % 11];
}

/** Chooses a PDF, named after its material, in every file input of the form. */
async function chooseEveryFile(page, dir, form) {
  const inputs = page.locator(`${form} input[type=file]`);
  for (const input of await inputs.all()) {
    const label = await page.locator(`label[for="${await input.getAttribute('id')}"]`).textContent();
    await input.setInputFiles(pdf(dir, label.trim().replace(/^上传/, '')));
  }
  return inputs.count();
}

/** Clicks a submit button and waits for the page the post leads to. */
async function post(page, button) {
  const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
  await page.locator(button).click();
  await navigated;
  await page.waitForLoadState('load');
}

describe('Core journeys in a browser', () => {
  const site = demoSite();
  let dir;
  /** The food licence application filed at desktop width: { id, number }. */
  const filed = {};
  before(() => { dir = mkdtempSync(join(tmpdir(), 'onewindow-journeys-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [width, viewport] of [['desktop', DESKTOP], ['390 px', PHONE]]) {
    test(`(${width}) a wrong phone number brings the form back with every value and file kept, the problem linked and marked, still signed in; corrected, it is filed with those files`, async () => {
      const { page, context } = await site.newPage(viewport);
      try {
        await loginAs(page, site.server.citizen);
        const { id } = await applyOnline(page);
        await fillForm(page);
        await page.locator('#f_address').fill('广安市广安区建设路 18 号');
        await page.locator('#f_contact_phone').fill('1391234');
        const chosen = await chooseEveryFile(page, dir, '#case-form');
        assert.ok(chosen > 0, 'no file inputs on the draft');
        await post(page, '#do-submit');

        // The same form again, not an error page.
        assert.ok(new URL(page.url()).pathname.startsWith(`/cases/${id}`), await textOf(page));
        const summary = page.locator('.error-summary');
        assert.equal(await summary.count(), 1, `no error summary: ${await textOf(page)}`);
        const link = summary.locator('a[href="#f_contact_phone"]');
        assert.equal(await link.count(), 1, `the summary does not link the phone field: ${await summary.innerText()}`);
        assert.equal(await page.locator('#f_contact_phone').getAttribute('aria-invalid'), 'true');
        assert.match(await page.locator('#f_contact_phone-err').innerText(), /手机/);
        assert.equal(await page.locator('#f_contact_phone').inputValue(), '1391234');
        assert.equal(await page.locator('#f_address').inputValue(), '广安市广安区建设路 18 号');
        assert.equal(await page.locator('#case-form .kept').count(), chosen, `not every chosen file is kept: ${await textOf(page, '#materials')}`);
        // (On a phone the 退出 button is folded behind 菜单, so look for it in the markup.)
        assert.equal(await page.locator('header.site form[action="/logout"]').count(), 1, 'the header no longer shows the person signed in');
        await link.click();
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'f_contact_phone', 'the summary link does not reach the field');
        if (viewport === PHONE) {
          await assertFitsWidth(page, PHONE.width);
          await shot(page, 'form-errors-phone.png');
        }

        // Corrected: filed, with the files chosen before the mistake.
        await page.locator('#f_contact_phone').fill('13912345678');
        await post(page, '#do-submit');
        assert.equal(await caseState(page), '已提交（预审中）', await problem(page));
        const files = page.locator('#materials tbody td a[href*="/files/"]');
        assert.equal(await files.count(), chosen, `the kept files were not saved: ${await textOf(page, '#materials')}`);
        if (viewport === DESKTOP) Object.assign(filed, { id, number: await factValue(page, FACTS, '办件编号') });
      } finally {
        await context.close();
      }
    });
  }

  test('the clerk finds the case by its number; Enter in 补正说明 only adds a line, and accepting keeps the note out of it', async () => {
    assert.ok(filed.number, 'the desktop application was not filed');
    const { page, context } = await site.newPage();
    try {
      await loginAs(page, 'clerk');
      await page.goto('/work');
      await page.locator('#q-search').fill(filed.number);
      await post(page, '#queue-filter button[type=submit]');
      const rows = page.locator('#queue-clerk tbody tr');
      assert.equal(await rows.count(), 1, `searching ${filed.number}: ${await textOf(page, '#queue-clerk')}`);
      assert.match(await rows.innerText(), /张\*/, 'the applicant is shown masked');
      await openFromWorkList(page, 'queue-clerk', filed.number, filed.id);

      await page.locator('#note').click();
      await page.keyboard.type('请补充经营场所照片');
      await page.keyboard.press('Enter');
      await page.keyboard.type('原件带到窗口核验');
      await page.waitForTimeout(300);
      assert.equal(new URL(page.url()).pathname, `/cases/${filed.id}`, 'Enter posted the form');
      assert.equal(await caseState(page), '已提交（预审中）', 'Enter decided the case');
      assert.equal(await page.locator('#note').inputValue(), '请补充经营场所照片\n原件带到窗口核验');
      // Enter in a one-line field of the same form decides nothing either.
      if (await page.locator('#case-form input[type=text], #case-form input:not([type])').count()) {
        await page.locator('#case-form input[type=text], #case-form input:not([type])').first().press('Enter');
        await page.waitForTimeout(300);
        assert.equal(await caseState(page), '已提交（预审中）', 'Enter in a text field decided the case');
      }
      await page.locator('#note').fill('');
      await act(page, '#do-accept', '已受理');
    } finally {
      await context.close();
    }
  });

  test('a reviewer who did 承办 cannot take the next review step of the same case; another reviewer can, and the page names the current step', async () => {
    assert.ok(filed.number, 'the desktop application was not filed');
    const first = await site.newPage();
    const second = await site.newPage();
    try {
      const { page } = first;
      await loginAs(page, 'reviewer');
      await openFromQueue(page, 'reviewer', filed.number, filed.id);
      const step = (await page.locator('#current-step').innerText()).trim();
      assert.ok(step, 'no current step shown');
      await act(page, '#do-claim');
      await page.locator('#reason').fill('经审查，材料齐全，同意。');
      await act(page, '#do-step');
      const next = (await page.locator('#current-step').innerText()).trim();
      assert.notEqual(next, step, `the step did not move on from ${step}`);
      const offered = await offeredActions(page);
      assert.ok(!offered.includes('do-claim') && !offered.includes('do-step'),
        `the same reviewer may take ${next} too: ${offered.join('、')}`);

      // The public progress page says where the case is, not what the reviewer wrote.
      const visitor = await site.newPage();
      try {
        const tail = site.server.citizen.slice(-4);
        await visitor.page.goto(`/progress?number=${encodeURIComponent(filed.number)}&tail=${tail}`);
        const shown = await visitor.page.locator('main').innerText();
        assert.match(shown, /审查中|办理中|已受理/, `the progress page: ${shown}`);
        assert.ok(!shown.includes('材料齐全，同意'), `the public page shows the reviewer's opinion: ${shown}`);
      } finally {
        await visitor.context.close();
      }

      await loginAs(second.page, 'reviewer2');
      const lists = await workListsWith(second.page, filed.number);
      assert.ok(lists.includes('queue-reviewer'), `not in reviewer2's queue: ${lists.join('、') || 'none'}`);
      await openFromQueue(second.page, 'reviewer', filed.number, filed.id);
      assert.ok((await offeredActions(second.page)).includes('do-claim'), await problem(second.page));
    } finally {
      await first.context.close();
      await second.context.close();
    }
  });

  test('(390 px) 在线申请 twice resumes one draft, 我的办件 lists it first as 待提交 in cards that fit, and a deleted draft leaves the list', async () => {
    const { page, context } = await site.newPage(PHONE);
    try {
      await loginAs(page, site.server.citizen);
      const first = await applyOnline(page);
      const again = await applyOnline(page);
      assert.equal(again.id, first.id, 'a second 在线申请 made another draft');
      await page.goto('/cases');
      const row = page.locator(`main tr:has(a[href="/cases/${first.id}"])`);
      assert.equal(await row.count(), 1, await textOf(page));
      assert.match(await row.innerText(), /待提交/);
      const firstRow = page.locator('main table tbody tr').first();
      assert.match(await firstRow.innerText(), /待提交|待补正/, 'what needs the person is not first');
      await assertFitsWidth(page, PHONE.width);
      await page.goto(`/cases/${first.id}`);
      page.once('dialog', (d) => d.accept());
      await post(page, '#do-delete-draft');
      assert.equal(new URL(page.url()).pathname, '/cases', await textOf(page));
      assert.equal(await page.locator(`main a[href="/cases/${first.id}"]`).count(), 0, 'the deleted draft is still listed');
    } finally {
      await context.close();
    }
  });

  for (const [width, viewport] of [['desktop', DESKTOP], ['390 px', PHONE]]) {
    test(`(${width}) a parent applies for a child's school place: the guide asks whom it is for, an adult's number is refused beside the field with every value kept, and the case is about the child`, async () => {
      const { page, context } = await site.newPage(viewport);
      try {
        await loginAs(page, site.server.citizen);
        await page.goto('/items/11511600000434423D3200090001001');
        assert.match(await page.locator('h1').innerText(), /入学办理/);
        assert.match(await page.locator('#filed-for').innerText(), /未成年子女/);
        // 入学 is only for a child: the choice is made already.
        assert.equal(await page.locator('#fw-kind').isChecked(), true);
        const seq = width === 'desktop' ? '131' : '133';
        await page.locator('#fw-name').fill('张小明');
        await page.locator('#fw-id').fill(idNumber(`51160219990101${seq}`.slice(0, 17)));
        await post(page, '#apply');
        const summary = page.locator('.error-summary');
        assert.equal(await summary.count(), 1, `no error summary: ${await textOf(page)}`);
        assert.equal(await summary.locator('a[href="#fw-id"]').count(), 1, await summary.innerText());
        assert.match(await page.locator('#fw-id-err').innerText(), /十八周岁/);
        assert.equal(await page.locator('#fw-id').getAttribute('aria-invalid'), 'true');
        assert.equal(await page.locator('#fw-name').inputValue(), '张小明');
        assert.equal(await page.locator('header').getByText('登录', { exact: true }).count(), 0, 'the header shows a visitor');
        if (viewport === PHONE) {
          await assertFitsWidth(page, PHONE.width);
          await shot(page, 'for-a-child-phone.png');
        }

        const child = idNumber(`51160220190501${seq}`.slice(0, 17));
        await page.locator('#fw-id').fill(child);
        await post(page, '#apply');
        assert.match(new URL(page.url()).pathname, /^\/cases\//, await textOf(page));
        const subject = await page.locator('#subject').innerText();
        assert.match(subject, /张小明（5116\*+\d{4}，申请人为其监护人）/);
        assert.ok(!subject.includes(child), 'the child\'s number is shown unmasked');
        if (viewport === DESKTOP) await shot(page, 'for-a-child.png');
      } finally {
        await context.close();
      }
    });
  }

  test('(390 px) a walk-in without an account is served at the window and finds the case after registering with the same ID, name and phone', async () => {
    const clerk = await site.newPage(PHONE);
    const person = await site.newPage(PHONE);
    const id = idNumber('51160219850505771');
    try {
      const { page } = clerk;
      await loginAs(page, 'clerk');
      await page.goto('/work');
      await page.locator('#w-item').fill(FOOD_ITEM);
      await page.locator('#w-app').fill(id);
      await post(page, '.window-form button[type=submit]');
      // Unknown: the page asks for the checked identity, keeping what was typed.
      assert.match(await page.locator('.error-summary').innerText(), /尚未在平台注册/, await textOf(page));
      assert.equal(await page.locator('#w-app').inputValue(), id);
      // The identity fields open by themselves, since the problem is theirs.
      if (!(await page.locator('details.walk-in[open]').count())) await page.locator('details.walk-in summary').click();
      await page.locator('#w-name').fill('王小二');
      await page.locator('#w-phone').fill('13912345678');
      await assertFitsWidth(page, PHONE.width);
      await shot(page, 'walk-in.png');
      await post(page, '.window-form button[type=submit]');
      assert.match(new URL(page.url()).pathname, /^\/cases\/[^/]+$/, `${await alertText(page)} ${await textOf(page)}`);
      assert.equal(await caseState(page), '草稿');
      assert.ok((await page.locator('main').innerText()).includes('王小二'), await textOf(page));
      const caseUrl = new URL(page.url()).pathname;

      // The person registers with what the clerk recorded, and the case is theirs.
      const p = person.page;
      await p.goto('/register');
      await p.locator('#id_number').fill(id);
      await p.locator('#name').fill('王小二');
      await p.locator('#phone').fill('13912345678');
      await p.locator('#password').fill('Wang-xiaoer-2026');
      await post(p, 'main form button:has-text("注册并登录")');
      await p.goto('/cases');
      const mine = p.locator(`main a[href="${caseUrl}"]`);
      assert.equal(await mine.count(), 1, `the window case is not in 我的办件: ${await textOf(p)}`);
      await assertFitsWidth(p, PHONE.width);
    } finally {
      await clerk.context.close();
      await person.context.close();
    }
  });

  test('新生儿出生 collects the baby\'s data and files every member for the baby, none skipped for what the parent holds', async () => {
    const { page, context } = await site.newPage();
    try {
      await loginAs(page, site.server.citizen);
      await page.goto('/bundles/YJS-XSECS');
      const form = page.locator('form#bundle-form');
      assert.equal(await form.count(), 1, `no bundle form: ${await textOf(page)}`);
      await fillForm(page, '#bundle-form');
      const today = new Date().toISOString().slice(0, 10);
      await page.locator('#bf_baby_name').fill('张小宝');
      await page.locator('#bf_baby_sex').selectOption('男');
      await page.locator('#bf_birth_date').fill(today);
      await page.locator('#bf_mother_name').fill('李梅');
      await page.locator('#bf_mother_id').fill(idNumber('51160219920303002'));
      await page.locator('#bf_father_name').fill('张三');
      await page.locator('#bf_father_id').fill(site.server.citizen);
      await page.locator('#bf_contact_phone').fill('13912345678');
      await chooseEveryFile(page, dir, '#bundle-form');
      await post(page, '#do-apply-bundle');
      assert.match(new URL(page.url()).pathname, /^\/bundle-cases\/[^/]+$/, `${await alertText(page)} ${await textOf(page)}`);
      assert.match(await page.locator('#bundle-subject').innerText(), /张小宝/);

      const rows = page.locator('#children tbody tr');
      assert.equal(await rows.count(), 5, await textOf(page, '#children'));
      const states = await page.locator('#children tbody td.child-state').allInnerTexts();
      assert.ok(states.every((s) => !s.includes('已持有')), `a member was skipped for what the parent holds: ${states.join(' | ')}`);
      const started = await page.locator('#children tbody tr a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.ok(started.length >= 2, `the members without prerequisites did not start: ${states.join(' | ')}`);
      await shot(page, 'newborn-progress.png');
      for (const href of started) {
        await page.goto(href);
        assert.match(await page.locator('#subject').innerText(), /张小宝/, `${href} is not for the baby: ${await textOf(page)}`);
      }
    } finally {
      await context.close();
    }
  });

  test('(390 px) the navigation folds behind 菜单, and 长辈版 enlarges the type on every page until switched back', async () => {
    const { page, context } = await site.newPage(PHONE);
    try {
      await page.goto('/');
      const menu = page.locator('header.site .menu-button');
      const nav = page.getByRole('navigation', { name: '主导航' });
      assert.ok(await menu.isVisible(), 'no 菜单 button on a phone');
      assert.ok(!(await nav.isVisible()), 'the navigation is not folded');
      const header = await page.locator('header.site').boundingBox();
      assert.ok(header.height < 80, `the header is ${header.height} px high`);
      await menu.click();
      assert.equal(await menu.getAttribute('aria-expanded'), 'true');
      assert.ok(await nav.getByRole('link', { name: '找事项' }).isVisible());

      const size = () => page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
      const normal = await size();
      await post(page, '#care-toggle');
      assert.equal(new URL(page.url()).pathname, '/');
      assert.ok(await size() >= normal * 1.2, `长辈版 type is ${await size()} px against ${normal}`);
      await page.goto('/search?q=' + encodeURIComponent('营业执照'));
      assert.equal(await page.locator('html.care').count(), 1, 'the mode did not follow to the next page');
      await assertFitsWidth(page, PHONE.width);
      await post(page, '#care-toggle');
      assert.equal(new URL(page.url()).pathname, '/search', 'switched back on another page than it was asked');
      assert.equal(await size(), normal);
    } finally {
      await context.close();
    }
  });
});
