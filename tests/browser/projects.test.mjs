// Browser test of 工程建设项目: the demo's enterprise-invested workshop has finished its first
// three stages (the demo's departments completed every member case); its owner files the
// fourth, 竣工验收, on the stage's bundle page; 住建局 opens a 联合验收 with 消防救援; 消防
// asks for a change, 住建 passes, the lead's decision sends one rectification notice back and
// holds the clock; the owner resubmits and the second round passes; the window and 住建局 take
// the stage's two cases to 办结, and all four stages stand finished. The page fits a phone.
//
// Screenshot: project.png (the workshop after the joint acceptance).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  demoSite, shot, loginAs, alertText, textOf, assertFitsWidth, PHONE,
} from './helpers.mjs';
import { pdf, fillForm, act, reviewAsFarAsAllowed, caseState, problem } from './case-helpers.mjs';

/** app::demo_projects::WORKSHOP. */
const WORKSHOP = '2026-511602-13-03-000103';
const POINT = '消防车道净宽不足 4 米';

async function submit(page, button) {
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
}

/**
 * Takes a submitted member case to 办结 the way the departments do: the window accepts, 住建局's
 * 承办 and 审核 (two people) review, the first approves, the window issues and completes.
 */
async function finishCase(site, href) {
  const clerk = await site.newPage();
  await loginAs(clerk.page, 'clerk');
  await clerk.page.goto(href);
  await act(clerk.page, '#do-accept', '已受理');
  const first = await site.newPage();
  await loginAs(first.page, 'zjjsc');
  const second = await site.newPage();
  await loginAs(second.page, 'zjjsh');
  for (const who of [first, second, first]) {
    await who.page.goto(href);
    await reviewAsFarAsAllowed(who.page, '经审查符合要求');
  }
  await clerk.page.goto(href);
  assert.equal(await caseState(clerk.page), '准予许可', await problem(clerk.page));
  await act(clerk.page, '#do-issue', '出件中');
  await act(clerk.page, '#do-complete', '已办结');
  for (const u of [clerk, first, second]) await u.context.close();
}

/** The link of the member case of `item` on the project page, once it has a case. */
async function memberCase(page, item) {
  const row = page.locator('tr', { has: page.locator('td:first-child', { hasText: item }) }).last();
  return row.locator('a').getAttribute('href');
}

/** The project page as `login` sees it (a fresh context each time). */
async function asUser(site, login) {
  const { context, page } = await site.newPage();
  await loginAs(page, login);
  await page.goto(`/projects/${WORKSHOP}`);
  return { context, page };
}

describe('工程建设项目 in a browser', () => {
  const site = demoSite();

  test('the fourth stage is filed and its joint acceptance sent back once, then passed', async () => {
    const owner = await site.newPage();
    await loginAs(owner.page, site.server.enterprise);
    await owner.page.goto('/projects');
    await Promise.all([owner.page.waitForLoadState('load'), owner.page.getByRole('link', { name: '广安演示食品有限公司标准化车间' }).click()]);
    let text = await textOf(owner.page);
    assert.equal((text.match(/已办结（申报于/g) ?? []).length, 3, `three stages finished: ${text}`);
    assert.match(text, /政府部门已用 \d+ 个工作日，承诺 80 个工作日/, text);

    // 竣工验收: filed on the stage's bundle page, which carries the project.
    await Promise.all([owner.page.waitForLoadState('load'), owner.page.getByRole('link', { name: '申报本阶段' }).click()]);
    assert.match(await textOf(owner.page), new RegExp(`为工程建设项目 ${WORKSHOP} 申报本阶段`));
    await fillForm(owner.page, '#bundle-form');
    const dir = mkdtempSync(join(tmpdir(), 'onewindow-project-'));
    for (const input of await owner.page.locator('#bundle-materials input[type=file]').all()) {
      const label = await owner.page.locator(`label[for="${await input.getAttribute('id')}"]`).textContent();
      await input.setInputFiles(pdf(dir, label.trim().replace(/^上传/, '')));
    }
    await Promise.all([owner.page.waitForURL(/\/projects\/[^/]+\?flash=started$/), owner.page.locator('#do-apply-bundle').click()])
      .catch(async (e) => { throw new Error(`filing the stage failed on ${owner.page.url()}: ${await alertText(owner.page)}\n${e.message}`); });
    rmSync(dir, { recursive: true, force: true });
    text = await textOf(owner.page);
    assert.match(text, /阶段已申报/, text);
    assert.match(text, /特殊建设工程消防验收/, `the stage's cases: ${text}`);

    // 住建局 leads a 联合验收 with 消防救援.
    const lead = await asUser(site, 'zjjsc');
    await lead.page.locator('#j-kind').selectOption('acceptance');
    await lead.page.locator('#j-depts').fill('511600-XFJYZD');
    await submit(lead.page, '发起');
    assert.match(await textOf(lead.page), /联合验收（第 1 轮，各部门审查中）/, await textOf(lead.page));

    const fire = await asUser(site, 'xfjy');
    await fire.page.getByLabel('需整改').check();
    await submit(fire.page, '提交意见');
    assert.match(await textOf(fire.page), /逐条写明整改要求/, 'changes need their points');
    await fire.page.getByLabel('需整改').check();
    await fire.page.locator('#j-points-acceptance').fill(POINT);
    await submit(fire.page, '提交意见');

    await lead.page.goto(`/projects/${WORKSHOP}`);
    await submit(lead.page, '提交意见');
    await submit(lead.page, '牵头部门作出综合决定');
    text = await textOf(lead.page);
    assert.match(text, /整改通知（一次性告知）/, text);
    assert.ok(text.includes(POINT), text);
    assert.match(text, /整改.*进行中/, `the clock is held while the enterprise rectifies: ${text}`);

    // The owner resubmits; the second round passes.
    await owner.page.goto(`/projects/${WORKSHOP}`);
    await submit(owner.page, '整改完成，重新提交');
    assert.match(await textOf(owner.page), /联合验收（第 2 轮，各部门审查中）/, await textOf(owner.page));
    await fire.page.goto(`/projects/${WORKSHOP}`);
    await submit(fire.page, '提交意见');
    await lead.page.goto(`/projects/${WORKSHOP}`);
    await submit(lead.page, '提交意见');
    await submit(lead.page, '牵头部门作出综合决定');
    text = await textOf(lead.page);
    assert.match(text, /联合验收（第 2 轮，已通过）/, text);

    // The stage's two cases, one after the other (竣工验收备案 waits for the fire acceptance),
    // to 办结: all four stages finished, the clock stops.
    for (const item of ['特殊建设工程消防验收', '建设工程竣工验收备案']) {
      await owner.page.goto(`/projects/${WORKSHOP}`);
      const href = await memberCase(owner.page, item);
      assert.ok(href, `${item} has no case yet: ${await textOf(owner.page)}`);
      await finishCase(site, href);
    }
    await owner.page.goto(`/projects/${WORKSHOP}`);
    text = await textOf(owner.page);
    assert.equal((text.match(/已办结（申报于/g) ?? []).length, 4, `all four stages finished: ${text}`);
    await shot(owner.page, 'project.png');
    for (const u of [owner, lead, fire]) await u.context.close();
  });

  test('the project pages fit a phone', async () => {
    const { context, page } = await site.newPage(PHONE);
    await loginAs(page, site.server.enterprise);
    await page.goto('/projects');
    await assertFitsWidth(page, PHONE.width);
    await page.goto(`/projects/${WORKSHOP}`);
    await assertFitsWidth(page, PHONE.width);
    await context.close();
  });
});
