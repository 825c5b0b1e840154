// Browser test of 电子监察 and statistics: the demo's overdue case raises a red warning, the
// supervisor sends a 督办 notice, the responsible department resolves it on its 待办 page and the
// supervisor sees the resolution; the statistics dashboard shows its charts, drills down and
// exports to Excel, and the monthly report is open to everyone.
//
// Like the other browser tests, it starts its own demo server and Chromium (see helpers.mjs) and
// writes screenshots to docs/screenshots/: supervision-warnings.png, dashboard.png.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  demoSite, shot, loginAs, followNav, textOf, assertFitsWidth, PHONE,
} from './helpers.mjs';
import { caseId, caseState, problem } from './case-helpers.mjs';

/** The demo case that is made overdue at seeding, and the department responsible for it. */
const OVERDUE_ITEM = '特种设备使用登记';
const DEPARTMENT = '广安市市场监督管理局';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** The dashboard's charts by their accessible names, at the top (region) level. */
const CHARTS = ['评价等级分布', '各部门收件量'];

/** The warnings table's rows as "level number department" on one line, for assertion messages. */
async function warningsText(page) {
  const rows = await page.locator('#warnings tbody tr').evaluateAll((trs) => trs.map((tr) =>
    `${tr.className} ${tr.dataset.case} ${tr.querySelector('td:nth-child(4)')?.textContent.trim()}`));
  return `${page.url()} [${await page.locator('#count-red').innerText()}] ${rows.join(' | ') || '(no rows)'}`;
}

/** Fails unless the page shows exactly these charts, each a visible svg.chart with role=img. */
async function assertCharts(page, labels) {
  const found = await page.locator('svg.chart').evaluateAll((svgs) => svgs.map((s) => s.getAttribute('aria-label')));
  assert.deepEqual(found, labels, `charts on ${page.url()}`);
  for (const label of labels) {
    const chart = page.locator(`svg.chart[role=img][aria-label="${label}"]`);
    assert.ok(await chart.isVisible(), `the ${label} chart is not visible: ${await textOf(page)}`);
  }
}

describe('Electronic supervision (电子监察) and statistics in a browser', () => {
  const site = demoSite();

  test('a supervisor sees a red warning, sends a supervision notice, and the responsible department resolves it', async () => {
    const supervisor = await site.newPage();
    const department = await site.newPage();
    try {
      // 1. The supervisor opens 电子监察 from the navigation, as a user would.
      const { page } = supervisor;
      await loginAs(page, 'supervisor');
      await followNav(page, '电子监察');
      const count = (await page.locator('#count-red').innerText()).trim();
      const red = Number(count.match(/^红色预警 (\d+) 件$/)?.[1]);
      assert.ok(red >= 1, `no red warning on a fresh demo: ${await warningsText(page)}`);
      assert.equal(await page.locator('#warnings tr.warning-red').count(), red, `the count disagrees with the rows: ${await warningsText(page)}`);

      // 2. The overdue case's row is the red one of its department; its link leads to the case.
      const row = page.locator('#warnings tr.warning-red', { has: page.locator('td:nth-child(4)', { hasText: DEPARTMENT }) });
      assert.equal(await row.count(), 1, `no single red warning for ${DEPARTMENT}: ${await warningsText(page)}`);
      const number = await row.getAttribute('data-case');
      assert.match(await row.locator('td:nth-child(3)').innerText(), /期限 \d{4}-\d{2}-\d{2}/, await warningsText(page));
      const link = row.locator('td:nth-child(2) a');
      assert.equal((await link.innerText()).trim(), number);
      await Promise.all([page.waitForURL(/\/cases\/[^/?]+$/), link.click()]);
      const id = caseId(page.url());
      assert.equal((await page.locator('main h1').innerText()).trim(), OVERDUE_ITEM, await problem(page));
      assert.equal(await caseState(page), '已受理', await problem(page));
      await page.goBack();
      await shot(page, 'supervision-warnings.png');

      // 3. The supervisor sends a notice on that row.
      const message = `请于 3 个工作日内办结${OVERDUE_ITEM}并说明超期原因（${number}）`;
      const caseRow = page.locator(`#warnings tr.warning-red[data-case="${number}"]`);
      await caseRow.getByLabel('督办意见').fill(message);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/supervision' && u.searchParams.get('flash') === 'sent'),
        caseRow.getByRole('button', { name: '发送督办' }).click(),
      ]).catch(async (e) => { throw new Error(`发送督办 failed on ${await textOf(page)}\n${e.message}`); });
      assert.match(await page.locator('p.flash[role=status]').innerText(), /督办已发送/, await textOf(page));
      assert.ok((await caseRow.innerText()).includes(`督办：${message} — 待处理`), `the sent notice is not pending on its row: ${await textOf(page, `tr[data-case="${number}"]`)}`);

      // 4. The department sees the notice on its 待办 page and resolves it.
      const dept = department.page;
      await loginAs(dept, 'reviewer');
      await followNav(dept, '我的待办');
      const notice = dept.locator('section#notices .notice-item', { hasText: message });
      assert.equal(await notice.count(), 1, `the notice is not under 督办件 on reviewer's /work: ${await textOf(dept, 'section#notices')}`);
      assert.ok((await notice.innerText()).includes(`督办意见：${message}`), await textOf(dept, 'section#notices'));
      assert.equal(await notice.getByRole('link', { name: '查看办件' }).getAttribute('href'), `/cases/${id}`);
      const resolution = '已于今日完成现场核查并办结，超期原因为检验报告延迟送达';
      await notice.getByLabel('处理情况').fill(resolution);
      await Promise.all([
        dept.waitForURL((u) => u.pathname === '/work'),
        notice.getByRole('button', { name: '办结督办件' }).click(),
      ]).catch(async (e) => { throw new Error(`办结督办件 failed on ${await textOf(dept)}\n${e.message}`); });
      assert.ok((await notice.innerText()).includes(`已处理：${resolution}`), `the notice does not show as resolved: ${await textOf(dept, 'section#notices')}`);
      assert.equal(await notice.getByRole('button', { name: '办结督办件' }).count(), 0, 'a resolved notice still offers 办结督办件');

      // 5. The supervisor sees the department's resolution.
      await page.goto('/supervision');
      assert.ok((await caseRow.innerText()).includes(`督办：${message} — 已处理：${resolution}`),
        `the resolution is not shown to the supervisor: ${await textOf(page, `tr[data-case="${number}"]`)}`);

      // 6. The 12345 tickets past or near their limits are on the same dashboard, each linked
      // to its ticket (the demo's month of tickets leaves some running late).
      const hotline = page.locator('#hotline-warnings');
      const counts = await textOf(page, '#hotline-warnings');
      assert.match(counts, /红色预警 \d+ 件 · 黄色预警 \d+ 件/);
      const rows = hotline.locator('#hotline-warning-rows tbody tr');
      assert.ok((await rows.count()) > 0, counts);
      await Promise.all([page.waitForURL(/\/hotline\/tickets\//), rows.first().locator('a').click()]);
      assert.match(await textOf(page, 'main h1'), /工单/);
    } finally {
      for (const p of [supervisor, department]) await p.context.close();
    }
  });

  test('the statistics dashboard shows its charts, drills down to a department and exports to Excel, and the monthly report is public', async () => {
    const supervisor = await site.newPage();
    const visitor = await site.newPage();
    try {
      // 1. The dashboard, from the navigation, with both charts.
      const { page } = supervisor;
      await loginAs(page, 'supervisor');
      await followNav(page, '统计');
      assert.match(await page.locator('main h1').innerText(), /^统计分析 · 广安市/, await textOf(page));
      await assertCharts(page, CHARTS);
      await shot(page, 'dashboard.png');
      const dashboardUrl = page.url();

      // 2. The export is an Excel workbook (a zip, so it starts with PK), not an error page.
      const href = await page.locator('a#export').getAttribute('href');
      assert.ok(href, `no 导出 Excel link: ${await textOf(page)}`);
      const xlsx = await page.request.get(href);
      assert.equal(xlsx.status(), 200, `GET ${href}: ${xlsx.status()} ${(await xlsx.text()).slice(0, 300)}`);
      assert.equal(xlsx.headers()['content-type'], XLSX, `GET ${href}`);
      assert.equal((await xlsx.body()).subarray(0, 2).toString('latin1'), 'PK', `GET ${href} is not a zip file`);

      // By 办理对象: cases count for the person or enterprise they decide about.
      await Promise.all([page.waitForURL((u) => u.searchParams.get('group') === 'subject'), page.locator('#by-subject').click()]);
      const parties = await page.locator('#groups tbody td:first-child').allInnerTexts();
      assert.ok(parties.length > 0 && parties.every((p) => /^(自然人|法人（企业等）)$/.test(p.trim())), `办理对象 rows: ${parties.join('、')}`);
      await page.goto(dashboardUrl);

      // 3. Each department row drills down; the first one leads to its items.
      const departments = page.locator('#groups tbody tr td:first-child a');
      assert.ok(await departments.count() > 0, `no department drill-down links: ${await textOf(page, '#groups')}`);
      const first = departments.first();
      const name = (await first.innerText()).trim();
      assert.match(await first.getAttribute('href'), /^\/supervision\/stats\?.*department=[^&]+/);
      await Promise.all([page.waitForURL((u) => u.searchParams.has('department')), first.click()]);
      assert.ok(await page.getByRole('heading', { name: '分事项统计' }).isVisible(), `no 分事项统计 after drilling into ${name}: ${await textOf(page)}`);
      assert.equal((await page.locator('#groups thead th').first().innerText()).trim(), '事项', await textOf(page, '#groups'));
      assert.ok(await page.locator('#groups tbody tr').count() > 0, `no items for ${name}: ${await textOf(page, '#groups')}`);

      // 4. The dashboard fits a phone without the page scrolling sideways.
      await page.setViewportSize(PHONE);
      await page.goto(dashboardUrl);
      await assertFitsWidth(page, PHONE.width);
      // Chart labels stay readable there (they were 8 px when a wide drawing was shrunk).
      const smallest = await page.locator('svg.chart text').evaluateAll((ts) =>
        Math.min(...ts.map((t) => t.getBoundingClientRect().height)));
      assert.ok(smallest >= 11, `chart labels are ${smallest.toFixed(1)} px high on a phone`);
      // Presets cover the month, the quarter and the year.
      const presets = await page.locator('main a[href*="from="]').allInnerTexts();
      for (const p of ['本月', '本季度', '本年']) {
        assert.ok(presets.some((t) => t.includes(p)), `no ${p} preset: ${presets.join('、')}`);
      }

      // 5. Anyone can read the monthly report, from the footer link: the charts, no drill-down.
      const anon = visitor.page;
      await anon.goto('/');
      await Promise.all([
        anon.waitForURL((u) => u.pathname === '/reports/monthly'),
        anon.locator('footer').getByRole('link', { name: '政务服务月报' }).click(),
      ]);
      assert.match(await anon.locator('main h1').innerText(), /^政务服务月报/, await textOf(anon));
      await assertCharts(anon, CHARTS);
      assert.equal(await anon.locator('#groups a, a#export').count(), 0, `the public report links to the dashboard: ${await textOf(anon, '#groups')}`);
    } finally {
      for (const p of [supervisor, visitor]) await p.context.close();
    }
  });
});
