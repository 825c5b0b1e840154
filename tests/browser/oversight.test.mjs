// Browser test of oversight after approval: 市场监管局's approver plans a 双随机 inspection of
// the catering firms holding a 食品经营许可证 and draws it; a visitor re-runs the draw by its
// published seed (the same result) and is refused with another seed; the inspector drawn for
// the demo catering firm records a violation; the approver opens a penalty case (refused
// without a legal basis) and takes it through 调查, 告知 and 决定, after which it is public.
// The firm applies online; the window's 告知承诺 is refused because of the
// penalty on its credit record; the firm cannot ask for 信用修复 before the penalty is
// executed, asks after, the city's supervisor repairs the record, and the window then accepts
// under 告知承诺. The pages fit a phone.
//
// Screenshots: inspection.png (the drawn plan), credit.png (the firm's record, 390 px wide).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  demoSite, shot, loginAs, alertText, textOf, assertFitsWidth, factValue, openGuide, PHONE,
} from './helpers.mjs';
import { act, applyFromGuide, fillForm, uploadKeyMaterials, problem, FACTS } from './case-helpers.mjs';

/** app::demo_oversight: the catering firm with an account, and 市场监管局's staff by name. */
const FIRM = '广安恒餐饮有限公司（演示）';
const STAFF = { 钱承办: 'reviewer', 李审核: 'reviewer2', 孙批准: 'approver' };
const TITLE = '餐饮服务单位专项双随机抽查（浏览器测试）';
/** The demo's item under 告知承诺 (the window approves on accepting, verification follows). */
const FIRE_ITEM = '公众聚集场所投入使用、营业前消防安全检查（告知承诺）';

function firmLogin(server) {
  const line = server.output().split(/\r?\n/).find((l) => l.includes(FIRM));
  assert.ok(line, 'the demo firm is not among the printed accounts');
  return line.trim().split(/\s+/)[0];
}

async function submit(page, button) {
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
}

describe('双随机一公开, 行政处罚 and the credit record in a browser', () => {
  const site = demoSite();
  const filesDir = mkdtempSync(join(tmpdir(), 'ow-oversight-'));
  let planUrl = '';

  test('a draw re-run by its seed, a finding, a penalty, a refused 告知承诺, a repair', async () => {
    const chief = await site.newPage();
    const page = chief.page;
    await loginAs(page, 'approver');
    await page.goto('/inspections');
    await page.getByLabel('计划名称').fill(TITLE);
    assert.equal(await page.getByLabel('实施部门（编码）').inputValue(), '511600-SCJG', 'the department is the approver\'s');
    await page.getByLabel('抽查地区（行政区划代码）').fill('511602');
    await page.getByLabel('抽查对象持有的证照（多个用顿号分隔）').fill('食品经营许可证');
    await page.getByLabel('抽取对象数').fill('0');
    await page.getByLabel('抽查内容').fill('从业人员健康证明、进货查验记录');
    await submit(page, '保存计划');
    assert.match(await page.locator('#i-targets-err').innerText(), /1 至 500/);
    await page.getByLabel('抽取对象数').fill('20');
    await submit(page, '保存计划');
    planUrl = new URL(page.url()).pathname;
    assert.match(planUrl, /^\/inspections\/[0-9a-f-]{36}$/, await textOf(page));
    await submit(page, '随机抽取');
    const seed = (await page.locator('#seed').innerText()).trim();
    assert.match(seed, /^\d{8}-[0-9a-f]{16}$/);
    const card = page.locator('#results article', { hasText: FIRM });
    assert.equal(await card.count(), 1, `the firm was not drawn: ${await textOf(page, '#results')}`);
    const names = (await card.innerText()).match(/检查人员：([^（\n]+)/)[1].split('、').map((n) => n.trim());
    assert.equal(names.length, 2, `two inspectors: ${names}`);
    await shot(page, 'inspection.png');

    // Anyone re-runs the draw by the published seed; another seed is refused.
    const visitor = await site.newPage();
    await visitor.page.goto(planUrl);
    await visitor.page.getByLabel('种子').fill(seed);
    await submit(visitor.page, '重新抽取核验');
    assert.match(await visitor.page.locator('.flash').innerText(), /核验一致/);
    await visitor.page.getByLabel('种子').fill('20261205-0000000000000000');
    await submit(visitor.page, '重新抽取核验');
    assert.match(await visitor.page.locator('#v-seed-err').innerText(), /不是本次抽取公布的种子/);
    await visitor.context.close();

    // The inspector drawn for the firm records a violation (findings required).
    const inspector = await site.newPage();
    const ip = inspector.page;
    await loginAs(ip, STAFF[names[0]]);
    await ip.goto(planUrl);
    const mine = ip.locator('#results article', { hasText: FIRM });
    await mine.getByLabel('检查结果').selectOption({ label: '发现违法行为，移交立案' });
    await Promise.all([ip.waitForLoadState('load'), mine.getByRole('button', { name: '录入结果' }).click()]);
    assert.match(await ip.locator('#results article', { hasText: FIRM }).innerText(), /请写明检查发现的问题/);
    const again = ip.locator('#results article', { hasText: FIRM });
    await again.getByLabel('检查结果').selectOption({ label: '发现违法行为，移交立案' });
    await again.getByLabel('检查情况').fill('后厨 2 名从业人员未取得健康证明上岗');
    await Promise.all([ip.waitForLoadState('load'), again.getByRole('button', { name: '录入结果' }).click()]);
    assert.match(await ip.locator('#results article', { hasText: FIRM }).innerText(), /发现违法行为.*未取得健康证明/);
    await inspector.context.close();

    // The approver opens the case: not without a legal basis.
    await page.goto(planUrl);
    const found = page.locator('#results article', { hasText: FIRM });
    await Promise.all([page.waitForLoadState('load'), found.getByRole('button', { name: '立案查处' }).click()]);
    assert.match(await page.locator('#results article', { hasText: FIRM }).innerText(), /立案须写明违反的法律条款/);
    const retry = page.locator('#results article', { hasText: FIRM });
    await retry.getByLabel('违反的法律条款和处罚依据').fill('《中华人民共和国食品安全法》第四十五条、第一百二十六条');
    await Promise.all([page.waitForURL(/\/penalties\//), retry.getByRole('button', { name: '立案查处' }).click()]);
    const penaltyUrl = new URL(page.url()).pathname;
    assert.equal(await page.locator('#step').innerText(), '立案');
    for (const [label, text, button] of [
      ['调查取得的证据', '现场检查笔录、健康证明核对记录', '调查终结'],
      ['拟作出的处罚（告知当事人陈述、申辩和听证权利）', '警告并处罚款 5000 元', '告知'],
    ]) {
      await page.getByLabel(label).fill(text);
      await submit(page, button);
    }
    await page.getByLabel('罚款金额（元，无罚款留空）').fill('5000');
    await page.getByLabel('决定书内容').fill('警告，并处罚款 5000 元');
    await submit(page, '作出决定');
    assert.equal(await page.locator('#step').innerText(), '决定');

    // Public once decided.
    const anon = await site.newPage();
    await anon.page.goto('/penalties');
    assert.match(await textOf(anon.page), new RegExp(`${FIRM}.*警告，并处罚款 5000 元`));
    await anon.context.close();

    // The firm applies online for the fire check it needs before opening; the window's
    // 告知承诺 is refused.
    const firm = await site.newPage();
    const fp = firm.page;
    await loginAs(fp, firmLogin(site.server));
    await openGuide(fp, '公众聚集场所投入使用', (names) => names.find((n) => n.trim() === FIRE_ITEM));
    const id = await applyFromGuide(fp);
    await fillForm(fp);
    await uploadKeyMaterials(fp, filesDir);
    await act(fp, '#do-submit', '已提交（预审中）');
    const clerk = await site.newPage();
    await loginAs(clerk.page, 'clerk');
    await clerk.page.goto(`/cases/${id}`);
    await clerk.page.locator('#case-form input[name=commitment]').check();
    await clerk.page.locator('#do-accept').click();
    await clerk.page.waitForLoadState('load');
    assert.match(await problem(clerk.page), /不适用告知承诺/);

    // 信用修复: not before the penalty is executed; then applied for and granted.
    await fp.goto('/credit');
    const record = fp.locator('section.card', { hasText: '行政处罚' });
    await record.getByLabel('申请信用修复：已如何纠正').fill('已缴纳罚款，全员取得健康证明');
    await Promise.all([fp.waitForLoadState('load'), record.getByRole('button', { name: '申请信用修复' }).click()]);
    assert.match(await alertText(fp), /尚未执行完毕/);
    await page.goto(penaltyUrl);
    await page.getByLabel('执行情况').fill('罚款已缴纳');
    await submit(page, '执行完毕');
    await fp.goto('/credit');
    const record2 = fp.locator('section.card', { hasText: '行政处罚' });
    await record2.getByLabel('申请信用修复：已如何纠正').fill('已缴纳罚款，全员取得健康证明');
    await Promise.all([fp.waitForLoadState('load'), record2.getByRole('button', { name: '申请信用修复' }).click()]);
    assert.match(await fp.locator('section.card', { hasText: '行政处罚' }).innerText(), /修复申请审核中/);

    const sup = await site.newPage();
    await loginAs(sup.page, 'supervisor');
    await sup.page.goto('/credit/repairs');
    const pending = sup.page.locator('section.card', { hasText: FIRM });
    await pending.getByLabel('说明').fill('罚款已缴纳，整改到位');
    await Promise.all([sup.page.waitForLoadState('load'), pending.getByRole('button', { name: '提交审核' }).click()]);
    assert.equal(await sup.page.locator('section.card', { hasText: FIRM }).count(), 0);
    await sup.context.close();

    await fp.goto('/credit');
    assert.match(await fp.locator('section.card', { hasText: '行政处罚' }).innerText(), /已修复/);
    await clerk.page.goto(`/cases/${id}`);
    await clerk.page.locator('#case-form input[name=commitment]').check();
    await act(clerk.page, '#do-accept', '准予许可');
    assert.ok(await factValue(clerk.page, FACTS, '办件编号'));

    await clerk.context.close();
    await firm.context.close();
    await chief.context.close();
  });

  test('the oversight pages fit a phone', async () => {
    const { context, page } = await site.newPage(PHONE);
    await loginAs(page, firmLogin(site.server));
    await page.goto('/credit');
    await assertFitsWidth(page, PHONE.width);
    await shot(page, 'credit.png');
    for (const path of ['/inspections', planUrl || '/inspections', '/penalties']) {
      await page.goto(path);
      await assertFitsWidth(page, PHONE.width);
    }
    await context.close();
    rmSync(filesDir, { recursive: true, force: true });
  });
});
