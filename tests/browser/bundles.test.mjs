// Browser test of 一件事一次办 (bundles): a citizen applies once for 开办餐饮店; the business
// licence member is decided first, which starts the four departments' members with the licence
// attached; approving those in an order unlike the guide's completes the whole bundle.
//
// Like licenses.test.mjs, it starts its own demo server and Chromium (see helpers.mjs) and writes
// screenshots to docs/screenshots/: bundle-guide.png, bundle-progress.png.

import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  demoSite, shot, loginAs, alertText, factValue, FOOD_ITEM,
} from './helpers.mjs';
import {
  FACTS, pdf, problem, caseState, act, caseId, openFromQueue, openFromWorkList, decideOnTheSpot,
  reviewAsFarAsAllowed, workListsWith, materialStatus, fillForm,
} from './case-helpers.mjs';

const BUNDLE = '开办餐饮店';
const COMPANY_ITEM = '公司设立登记';
const LICENSE = '营业执照';
const TOBACCO_ITEM = '烟草专卖零售许可证新办';
const FIRE_ITEM = '公众聚集场所投入使用、营业前消防安全检查（告知承诺）';
const SIGN_ITEM = '设置大型户外广告的审批';
/**
 * The members the licence starts, in the order they are driven (not the guide's), with their
 * department and who acts there. The fire check is a 即办件 under 告知承诺 (commitment): the window
 * approves it on accepting and the department verifies afterwards (事后核查) instead of reviewing.
 */
const MEMBERS = [
  { item: TOBACCO_ITEM, department: '广安市烟草专卖局', staff: ['yczm'] },
  { item: FIRE_ITEM, department: '广安市消防救援支队', staff: ['xfjy'], commitment: true },
  { item: FOOD_ITEM, department: '广安市市场监督管理局', staff: ['reviewer', 'reviewer2', 'approver'] },
  { item: SIGN_ITEM, department: '广安市城市管理综合执法局', staff: ['cgzf'] },
];

/** Whether `code` is an 18-character 统一社会信用代码 whose check character (GB 32100) holds. */
function validCreditCode(code) {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code ?? '')) return false;
  const sum = weights.reduce((acc, w, i) => acc + alphabet.indexOf(code[i]) * w, 0);
  return alphabet[(31 - (sum % 31)) % 31] === code[17];
}

/** The progress page's rows as "item: state" on one line, for assertion messages. */
async function progressText(page) {
  const rows = await page.locator('#children tbody tr').evaluateAll((trs) => trs.map((tr) =>
    `${tr.dataset.item}: ${tr.querySelector('td.child-state')?.textContent.trim()}`));
  return `${page.url()} (${await page.locator('#bundle-state').innerText()}) ${rows.join(' | ')}`;
}

/** The row of the progress page for this member. */
function memberRow(page, item) {
  return page.locator(`#children tbody tr[data-item="${item}"]`);
}

/** The state cell's text of this member's row. */
async function memberState(page, item) {
  return (await memberRow(page, item).locator('td.child-state').innerText()).trim();
}

/** The case link of this member's row, or null while it has not started (no waiting for one). */
async function memberHref(page, item) {
  const link = memberRow(page, item).locator('a');
  return (await link.count()) ? link.getAttribute('href') : null;
}

describe('Bundles (一件事一次办) in a browser', () => {
  const site = demoSite();
  before(() => {
    assert.ok(site.server.citizen, `the demo citizen's login was not printed at start\n${site.server.output()}`);
  });

  test('a citizen applies for 开办餐饮店 once, the business licence child starts the four departments\' children with the licence attached, and approving them in any order completes the bundle', async () => {
    const filesDir = mkdtempSync(join(tmpdir(), 'onewindow-uploads-'));
    const citizen = await site.newPage();
    const clerk = await site.newPage();
    // One logged-in page per department person, opened when first needed.
    const staff = new Map();
    const staffPage = async (login) => {
      if (!staff.has(login)) {
        const p = await site.newPage();
        staff.set(login, p);
        await loginAs(p.page, login);
      }
      return staff.get(login).page;
    };
    try {
      // 1. The citizen finds the bundle and fills its one form.
      const { page } = citizen;
      await loginAs(page, site.server.citizen);
      await page.goto('/bundles');
      await Promise.all([
        page.waitForURL(/\/bundles\/YJS-KBCYD$/),
        page.locator('main h2 a', { hasText: BUNDLE }).click(),
      ]);
      const form = page.locator('form#bundle-form');
      assert.equal(await form.count(), 1, `no application form for the logged-in citizen: ${await alertText(page)}`);
      await fillForm(page, '#bundle-form');
      await page.locator('#bf_company_name').fill('广安市张记餐饮有限公司');
      await page.locator('#bf_company_type').selectOption('有限责任公司');
      await page.locator('#bf_legal_rep').fill('张三');
      await page.locator('#bf_address').fill('广安市广安区建设路 18 号');
      await page.locator('#bf_scope').fill('餐饮服务；预包装食品销售；卷烟零售');
      const tobacco = form.locator('label.check', { hasText: TOBACCO_ITEM }).locator('input[name=optional]');
      assert.equal(await tobacco.count(), 1, `no single optional ${TOBACCO_ITEM} checkbox`);
      await tobacco.check();
      // The licence is produced by the company registration member, so it is not asked for.
      const licenseRow = page.locator('#bundle-materials tbody tr', { has: page.locator('td:first-child', { hasText: LICENSE }) });
      assert.match(await licenseRow.innerText(), /由“公司设立登记”办结后自动提供/);
      assert.equal(await licenseRow.locator('input[type=file]').count(), 0, `the ${LICENSE} row asks for an upload`);
      const uploads = page.locator('#bundle-materials input[type=file]');
      assert.ok(await uploads.count() > 0, 'the bundle form has no file inputs');
      for (const input of await uploads.all()) {
        // Named after the material, so the member cases show which file is which.
        const label = await page.locator(`label[for="${await input.getAttribute('id')}"]`).textContent();
        await input.setInputFiles(pdf(filesDir, label.trim().replace(/^上传/, '')));
      }
      await shot(page, 'bundle-guide.png');
      await Promise.all([page.waitForURL(/\/bundle-cases\/[^/?]+$/), page.locator('#do-apply-bundle').click()])
        .catch(async (e) => { throw new Error(`提交申请 failed on ${page.url()}: ${await alertText(page)}\n${e.message}`); });
      const progressUrl = page.url();

      // Only the company registration starts; the rest wait for its licence.
      assert.equal(await memberState(page, COMPANY_ITEM), '已提交（预审中）', await progressText(page));
      for (const { item } of MEMBERS) {
        assert.equal(await memberState(page, item), '等待前置事项办结', await progressText(page));
        assert.equal(await memberHref(page, item), null, `${item} has a case before the licence: ${await progressText(page)}`);
      }

      // 2. The window decides the company registration (a 即办件) on the spot.
      const companyHref = await memberHref(page, COMPANY_ITEM);
      assert.match(companyHref ?? '', /^\/cases\/[^/?]+$/, await progressText(page));
      await loginAs(clerk.page, 'clerk');
      await clerk.page.goto(companyHref);
      assert.equal(await caseState(clerk.page), '已提交（预审中）', await problem(clerk.page));
      await decideOnTheSpot(clerk.page, '材料齐全，符合法定形式，当场予以登记');

      // 3. Its licence started the other four, each with the licence instead of an upload.
      await page.goto(progressUrl);
      assert.equal(await memberState(page, COMPANY_ITEM), '准予许可', await progressText(page));
      const departments = new Set();
      for (const member of MEMBERS) {
        const href = await memberHref(page, member.item);
        assert.match(href ?? '', /^\/cases\/[^/?]+$/, `${member.item} has not started: ${await progressText(page)}`);
        member.href = href;
        member.id = caseId(new URL(href, page.url()).href);
        const department = (await memberRow(page, member.item).locator('td:nth-child(2)').innerText()).trim();
        assert.equal(department, member.department, `${member.item}'s department: ${await progressText(page)}`);
        departments.add(department);
      }
      assert.equal(departments.size, 4, `not four departments: ${[...departments].join('、')}`);
      for (const member of MEMBERS) {
        await page.goto(member.href);
        assert.equal(await caseState(page), '已提交（预审中）', `${member.item}: ${await problem(page)}`);
        assert.equal(await materialStatus(page, LICENSE), '电子证照（A 级，免提交）', `${member.item}: ${await problem(page)}`);
        member.number = await factValue(page, FACTS, '办件编号');
      }

      // 4. Each member goes window → department → window, one after the other in MEMBERS' order.
      for (const member of MEMBERS) {
        const { item, id, number, commitment } = member;
        await openFromQueue(clerk.page, 'clerk', number, id);
        if (commitment) {
          // With the signed 承诺书 among the uploads, the window approves on accepting.
          const box = clerk.page.locator('#case-form input[name=commitment]');
          assert.equal(await box.count(), 1, `no 告知承诺 box on ${item}: ${await problem(clerk.page)}`);
          await box.check();
          await act(clerk.page, '#do-accept', '准予许可');
        } else {
          await act(clerk.page, '#do-accept', '已受理');
        }
        const lists = commitment ? ['verifications'] : ['queue-reviewer', 'queue-approver'];
        for (const login of member.staff) {
          const p = await staffPage(login);
          const listed = await workListsWith(p, number);
          const list = listed.find((l) => lists.includes(l));
          assert.ok(list, `${item} (${number}) is not in ${login}'s ${lists.join(' or ')} on /work (only in: ${listed.join('、') || 'none'})`);
          await openFromWorkList(p, list, number, id);
          if (commitment) {
            await p.locator('#verify-note').fill('现场核查：消防设施与承诺内容一致');
            await act(p, '#do-verify-pass', '准予许可');
            assert.ok(!(await workListsWith(p, number)).includes('verifications'), `${item} is still awaiting verification after 核查通过`);
          } else {
            const clicked = await reviewAsFarAsAllowed(p, `${login}：经审查，符合条件，同意。`);
            assert.ok(clicked.length > 0, `${login} could do nothing on ${item}: ${await problem(p)}`);
          }
        }
        await clerk.page.goto(`/cases/${id}`);
        assert.equal(await caseState(clerk.page), '准予许可', `${item} after ${member.staff.join('、')}: ${await problem(clerk.page)}`);
        await act(clerk.page, '#do-issue', '出件中');
        await act(clerk.page, '#do-complete', '已办结');
      }

      // The registration, approved but not yet issued, still holds the bundle open; the window
      // closes it last, so the order of completion differs from the order of starting.
      await page.goto(progressUrl);
      assert.equal((await page.locator('#bundle-state').innerText()).trim(), '办理中', await progressText(page));
      await clerk.page.goto(companyHref);
      await act(clerk.page, '#do-issue', '出件中');
      await act(clerk.page, '#do-complete', '已办结');

      // 5. With every member done, so is the bundle.
      await page.goto(progressUrl);
      assert.equal((await page.locator('#bundle-state').innerText()).trim(), '已办结', await progressText(page));
      const states = await page.locator('#children tbody td.child-state').allInnerTexts();
      assert.equal(states.length, MEMBERS.length + 1, await progressText(page));
      assert.ok(states.every((s) => s.trim() === '已办结'), await progressText(page));
      await shot(page, 'bundle-progress.png');

      // 6. The 营业执照 belongs to the new company, with a new valid credit code, not to 张三;
      // the founder sees it in his wallet on the company's behalf.
      await page.goto('/licenses');
      const card = page.locator('main li.card', { has: page.locator('h2', { hasText: LICENSE }) })
        .filter({ hasText: '广安市张记餐饮有限公司' });
      assert.equal(await card.count(), 1, `no ${LICENSE} of the new company in the wallet: ${await page.locator('main').innerText()}`);
      await Promise.all([page.waitForURL(/\/licenses\/[^/?]+$/), card.locator('h2 a').click()]);
      const facts = 'section[aria-labelledby=facts-h]';
      assert.equal(await factValue(page, facts, '名称'), '广安市张记餐饮有限公司');
      const code = await factValue(page, facts, '统一社会信用代码');
      assert.notEqual(code, site.server.citizen, 'the founder\'s ID number as the company\'s code');
      assert.ok(validCreditCode(code), `not a valid GB 32100 credit code: ${code}`);
      assert.equal(await factValue(page, facts, '法定代表人'), '张三');
    } finally {
      for (const p of [citizen, clerk, ...staff.values()]) await p.context.close();
      rmSync(filesDir, { recursive: true, force: true });
    }
  });
});
