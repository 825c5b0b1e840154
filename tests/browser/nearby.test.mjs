// Browser test of 收件与办结分离: the 五福社区 village station accepts 最低生活保障, which it may
// accept but not conclude; it checks the originals, sends them on; 广安区民政局 finds the case
// in its queue marked with where it came from, signs for the originals, reviews and approves;
// the result comes back to the station, whose clerk hands it over; the citizen's page says
// where it was received and collected, and the station's published figures count it. Then
// 全市通办: a window of 岳池县 receives 广安区's 个体工商户设立登记 (a 跨县通办 item) and
// cannot decide it; the district's window decides; 岳池县 hands the licence over. Last, 体外循环:
// the supervisor finds the demo's case decided seconds after acceptance, with its evidence, and
// confirms it with a note (a one-word note is refused). And 考核: the administrator reads the
// year's ranking with its chart, adds an indicator (a formula naming an unknown figure is
// refused where it was typed), sets a target, views one month and downloads the Excel.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { demoSite, loginAs, factValue, shot } from './helpers.mjs';
import {
  FACTS, act, caseState, caseId, fillForm, offeredActions, openFromQueue, problem, reviewAsFarAsAllowed,
} from './case-helpers.mjs';

const DIBAO = '1151160200019689174200080005001';
const SHOP = '11511602006582128Q4010010006001';
const WUFU = '五福社区便民服务站';

/** A window clerk starts a case of `item` for the citizen, checks every original, files it. */
async function receive(page, item, citizen) {
  await page.goto('/work');
  await page.locator('#w-item').fill(item);
  await page.locator('#w-app').fill(citizen);
  await Promise.all([
    page.waitForURL(/\/cases\/[^/?]+$/),
    page.getByRole('button', { name: '开始受理', exact: true }).click(),
  ]).catch(async (e) => { throw new Error(`开始受理 failed: ${await problem(page)}\n${e.message}`); });
  const id = caseId(page.url());
  for (const box of await page.locator('#case-form input[type=checkbox][name^=check_]').all()) await box.check();
  await fillForm(page);
  await act(page, '#do-submit', '已提交（预审中）');
  await act(page, '#do-accept', '已受理');
  return { id, number: await factValue(page, FACTS, '办件编号') };
}

describe('就近办、通办、体外循环与考核 in a browser', () => {
  const site = demoSite();

  test('a village station accepts, the county concludes, the person collects at the village', async () => {
    const pages = await Promise.all([1, 2, 3, 4, 5].map(() => site.newPage()));
    const [station, first, second, chief, citizen] = pages.map((p) => p.page);
    try {
      await loginAs(station, 'wufu');
      const { id, number } = await receive(station, DIBAO, site.server.citizen);
      assert.match(await factValue(station, FACTS, '收件地点'), new RegExp(`${WUFU}.*广安区民政局办结`));
      assert.match(await factValue(station, FACTS, '取件地点'), new RegExp(WUFU));
      const offered = await offeredActions(station);
      assert.ok(!offered.includes('do-claim') && !offered.includes('do-approve'), offered.join());
      // The person may choose another point to collect at, and does not in the end.
      await loginAs(citizen, site.server.citizen);
      await citizen.goto(`/cases/${id}`);
      const options = await citizen.locator('#pickup-point option').allInnerTexts();
      assert.ok(options.some((o) => o.includes('广安区政务服务中心')), options.join());
      await citizen.locator('#pickup-point').selectOption({ label: '广安区政务服务中心' });
      await act(citizen, '#do-choose-pickup');
      assert.match(await factValue(citizen, FACTS, '取件地点'), /广安区政务服务中心/);
      await citizen.locator('#pickup-point').selectOption({ index: options.findIndex((o) => o.includes(WUFU)) });
      await act(citizen, '#do-choose-pickup');
      assert.match(await factValue(citizen, FACTS, '取件地点'), new RegExp(WUFU));
      await station.goto(`/cases/${id}`);
      await act(station, '#do-send-originals');
      assert.match(await factValue(station, FACTS, '纸质原件'), /已移交，待办结机关签收：.*最低生活保障申请书/);

      await loginAs(first, 'mzj');
      await first.goto('/work');
      const row = first.locator('#queue-reviewer tbody tr', { hasText: number });
      assert.match(await row.innerText(), new RegExp(`${WUFU}.*收件`));
      await openFromQueue(first, 'reviewer', number, id);
      await act(first, '#do-receive-originals');
      assert.match(await factValue(first, FACTS, '纸质原件'), /办结机关已签收/);
      await reviewAsFarAsAllowed(first, '材料齐全，已入户调查');
      await loginAs(second, 'mzj2');
      await second.goto(`/cases/${id}`);
      await reviewAsFarAsAllowed(second, '家庭收入低于当地标准');
      await loginAs(chief, 'mzj-pz');
      await chief.goto(`/cases/${id}`);
      assert.deepEqual((await reviewAsFarAsAllowed(chief, '符合最低生活保障条件')).at(-1), 'do-approve');
      assert.equal(await caseState(chief), '准予许可');

      await openFromQueue(station, 'clerk', number, id);
      assert.match(await station.locator('#issue-pickup').innerText(), new RegExp(WUFU));
      await act(station, '#do-issue', '出件中');
      await act(station, '#do-complete', '已办结');
      await shot(station, 'relay-case.png');

      await citizen.goto(`/cases/${id}`);
      assert.equal(await caseState(citizen), '已办结');
      assert.match(await factValue(citizen, FACTS, '取件地点'), new RegExp(WUFU));
      assert.match(await citizen.locator('main').innerText(), new RegExp(`结果在${WUFU}.*待领取`));

      await citizen.goto('/points/511602001001-BMFW');
      assert.match(await citizen.locator('#point-figures').innerText(), /代收转办 \d+ 件.*就近取件 \d+ 件（已交付 [1-9]\d* 件）/);
    } finally {
      await Promise.all(pages.map((p) => p.context.close()));
    }
  });

  test('全市通办: another county of the city receives, the district decides, the licence is handed over there', async () => {
    const pages = await Promise.all([1, 2].map(() => site.newPage()));
    const [yuechi, district] = pages.map((p) => p.page);
    try {
      await loginAs(yuechi, 'yuechi');
      const { id, number } = await receive(yuechi, SHOP, site.server.citizen);
      assert.match(await factValue(yuechi, FACTS, '收件地点'), /岳池县政务服务中心（全市通办/);
      assert.ok(!(await offeredActions(yuechi)).includes('do-approve'), 'the receiving county does not decide');

      await loginAs(district, 'clerk');
      await openFromQueue(district, 'clerk', number, id);
      await district.locator('#reason').fill('材料齐全，符合登记条件');
      await act(district, '#do-approve', '准予许可');

      await yuechi.goto(`/cases/${id}`);
      await act(yuechi, '#do-issue', '出件中');
      await act(yuechi, '#do-complete', '已办结');
      assert.match(await yuechi.locator('main').innerText(), /结果在岳池县政务服务中心待领取/);
    } finally {
      await Promise.all(pages.map((p) => p.context.close()));
    }
  });

  test('体外循环: a suspicion with its evidence, confirmed by the supervisor with a note', async () => {
    const { page, context } = await site.newPage();
    try {
      await loginAs(page, 'supervisor');
      await page.goto('/supervision');
      await Promise.all([page.waitForURL(/\/supervision\/off-platform$/), page.locator('#off-platform-link').click()]);
      const open = page.locator('#suspicions article:has(form)', { hasText: '受理后数秒即决定' }).first();
      const id = await open.getAttribute('id');
      assert.match(await open.innerText(), /证据：办件 \d+ .*受理，.*即作出决定，相隔 \d+ 秒；该事项为承诺件，须经 3 个审批环节/);
      await open.getByLabel('核查情况').fill('是');
      await Promise.all([page.waitForLoadState('load'), open.getByRole('button', { name: '认定为体外循环' }).click()]);
      const again = page.locator(`#${id}`);
      assert.match(await again.locator('.error').innerText(), /至少 4 个字/);
      await again.getByLabel('核查情况').fill('调取纸质卷宗核实：线下审批后集中补录');
      await Promise.all([page.waitForURL(/off-platform/), again.getByRole('button', { name: '认定为体外循环' }).click()]);
      assert.match(await page.locator(`#${id}`).innerText(), /已认定为体外循环[\s\S]*核查情况：调取纸质卷宗核实/);
      await shot(page, 'off-platform.png');
    } finally {
      await context.close();
    }
  });

  test('考核: the ranking, an indicator refused then added, a target, a month, the Excel', async () => {
    const { page, context } = await site.newPage();
    try {
      await loginAs(page, 'admin');
      await page.goto('/assessment');
      assert.match(await page.locator('#rank-h').innerText(), /\d{4} 年全年考核排名/);
      assert.ok((await page.locator('#ranking tbody tr').count()) >= 1, 'no department ranked');
      assert.equal(await page.locator('#rank-h ~ svg.chart').count(), 1, 'no chart of the totals');
      assert.match(await page.locator('#ranking tbody tr').first().innerText(), /^1\s/);

      await page.getByLabel('指标代码').fill('handling');
      await page.getByLabel('指标名称').fill('平均办理用时');
      await page.getByLabel('公式', { exact: true }).fill('avg_days');
      await page.getByLabel('权重（1–100）').fill('10');
      await page.getByLabel('方向').selectOption('0');
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '保存指标' }).click()]);
      assert.match(await page.locator('#i-formula-err').innerText(), /“avg_days”不是平台的统计数/);
      assert.equal(await page.getByLabel('公式', { exact: true }).inputValue(), 'avg_days', 'what was typed is kept');
      await page.getByLabel('公式', { exact: true }).fill('avg_handling_days');
      await Promise.all([page.waitForURL(/#indicators$/), page.getByRole('button', { name: '保存指标' }).click()]);
      assert.match(await page.locator('#indicators table').innerText(), /handling\s+平均办理用时\s+avg_handling_days\s+越低越好\s+10/);

      await page.getByLabel('指标', { exact: true }).selectOption('handling');
      await page.getByLabel('目标值').fill('十天');
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '保存目标' }).click()]);
      assert.match(await page.locator('#t-value-err').innerText(), /应为数字/);
      await page.getByLabel('指标', { exact: true }).selectOption('handling');
      await page.getByLabel('目标值').fill('10');
      await Promise.all([page.waitForURL(/#targets$/), page.getByRole('button', { name: '保存目标' }).click()]);
      assert.match(await page.locator('#ranking thead').innerText(), /平均办理用时/);
      await shot(page, 'assessment.png');

      const month = new Date().getMonth() + 1;
      await page.getByLabel('月份').selectOption(String(month));
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '查看' }).click()]);
      assert.match(await page.locator('#rank-h').innerText(), new RegExp(`年${month} 月考核排名`));
      const xlsx = await page.request.get(await page.locator('#assessment-xlsx').getAttribute('href'));
      assert.equal(xlsx.status(), 200);
      assert.equal((await xlsx.body()).subarray(0, 2).toString(), 'PK');
    } finally {
      await context.close();
    }
  });

  test('最多跑一次: the month\'s rate, a sample drawn once with its seed, a call-back recorded', async () => {
    const { page, context } = await site.newPage();
    try {
      await loginAs(page, 'supervisor');
      await page.goto('/assessment');
      await Promise.all([page.waitForURL(/\/visits$/), page.locator('#visits-link').click()]);
      assert.match(await page.locator('#visit-rate').innerText(), /%/);
      assert.ok((await page.locator('#visit-departments tbody tr').count()) >= 1);
      await Promise.all([page.waitForURL(/#sample$/), page.locator('#draw-sample').click()]);
      assert.match(await page.locator('#sample-seed').innerText(), /种子 [0-9a-f]{16}，从 \d+ 件已办结办件中/);
      assert.equal(await page.locator('#draw-sample').count(), 0, 'drawn once');
      const row = page.locator('#callbacks tbody tr:has(form)').first();
      const id = await row.getAttribute('id');
      await Promise.all([page.waitForLoadState('load'), row.getByRole('button', { name: '记录回访' }).click()]);
      assert.match(await page.locator(`#${id} .error`).innerText(), /请选择是否联系上/);
      const again = page.locator(`#${id}`);
      await again.getByLabel('已联系上').check();
      await again.getByLabel('群众说跑了几次').fill('1');
      await again.getByLabel('回访记录').fill('一次办成，很满意');
      await Promise.all([page.waitForURL(/#sample$/), again.getByRole('button', { name: '记录回访' }).click()]);
      assert.match(await page.locator(`#${id}`).innerText(), /已联系：群众说跑了 1 次；一次办成，很满意/);
      await shot(page, 'visits.png');
    } finally {
      await context.close();
    }
  });
});
