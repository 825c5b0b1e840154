// Browser test of the 中介超市: the city's window clerk posts a job for a government buyer and a
// surveying firm bids on it (who bid and the price sealed to everyone else); on the demo's job
// whose window has closed, the clerk draws at random, anyone re-runs the draw with the
// published seed (a different seed is refused), the contract is recorded, the winner (whoever
// the draw chose) delivers its report and the clerk rates the service. The pages fit a phone.
//
// Screenshots: market.png (the list), market-job.png (a drawn, delivered and rated job).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  demoSite, shot, loginAs, alertText, textOf, assertFitsWidth, PHONE,
} from './helpers.mjs';

/** The demo's job whose window closed an hour before start (app::demo_market::WAITING_JOB). */
const WAITING_JOB = '城南片区排水管网普查 地形图测绘';
const SURVEYOR = '广安精测测绘有限公司';

/** The login printed at start on the demo account line that names `name`. */
function loginOf(server, name) {
  const line = server.output().split(/\r?\n/).find((l) => l.includes('中介机构') && l.includes(name));
  assert.ok(line, `no demo account for ${name}\n${server.output()}`);
  return line.trim().split(/\s+/)[0];
}

/** A moment `days` from now as a datetime-local value in Beijing time. */
function beijingIn(days) {
  const t = new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000);
  return t.toISOString().slice(0, 16);
}

/** Submits the form whose button has this name and waits for the page it leads to. */
async function submit(page, button) {
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
}

describe('中介超市 in a browser', () => {
  const site = demoSite();

  test('a job is posted and bid on; bidders and prices stay sealed until the deadline', async () => {
    const { context, page } = await site.newPage();
    const clerk = page;
    await loginAs(clerk, 'clerk');
    await clerk.goto('/market');
    await clerk.locator('#j-title').fill('城南片区雨污分流改造 地形图测绘');
    await clerk.locator('#j-service').selectOption('surveying');
    await clerk.locator('#j-budget').fill('30000');
    await clerk.locator('#j-deadline').fill(beijingIn(3));
    await clerk.locator('#j-days').fill('15');
    await clerk.locator('#j-method').selectOption('random');
    await clerk.locator('#j-region').fill('511602');
    await clerk.locator('#j-scope').fill('1:500 地形图，约 2 公顷');
    await submit(clerk, '发布');
    const jobPath = new URL(clerk.url()).pathname;
    assert.match(jobPath, /^\/market\/jobs\//, `not posted: ${await alertText(clerk)} ${await textOf(clerk)}`);

    const firm = await site.newPage();
    await loginAs(firm.page, loginOf(site.server, SURVEYOR));
    await firm.page.goto(jobPath);
    await firm.page.locator('#b-price').fill('30000.01');
    await firm.page.locator('#b-days').fill('12');
    await submit(firm.page, '提交报价');
    assert.match(await textOf(firm.page), /报价超过最高限价/, 'a bid over the cap is refused in Chinese');
    await firm.page.locator('#b-price').fill('27800');
    await firm.page.locator('#b-days').fill('12');
    await submit(firm.page, '提交报价');
    assert.match(await textOf(firm.page), /27800\.00 元/, `the bidder sees its own price: ${await textOf(firm.page)}`);

    await clerk.goto(jobPath);
    const seen = await textOf(clerk);
    assert.match(seen, /报名截止后公开/, seen);
    assert.ok(!seen.includes('27800') && !seen.includes(SURVEYOR), `sealed to the buyer: ${seen}`);
    await clerk.goto('/market');
    await shot(clerk, 'market.png');
    await context.close();
    await firm.context.close();
  });

  test('the closed job is drawn at random, re-run, contracted, delivered and rated', async () => {
    const { context, page } = await site.newPage();
    await loginAs(page, 'clerk');
    await page.goto('/market?state=open');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: WAITING_JOB }).click()]);
    const jobPath = new URL(page.url()).pathname;
    assert.match(await textOf(page), /报名截止/, await textOf(page));
    await submit(page, '随机抽取');
    const result = page.locator('section', { has: page.getByRole('heading', { name: '选取结果' }) });
    const text = (await result.innerText()).replace(/\s+/g, ' ');
    const m = text.match(/中选机构：(\S+?)（([0-9A-Z]{18})）/);
    assert.ok(m, `no winner shown: ${text}`);
    const [, winnerName, winnerCode] = m;
    const seed = (await result.locator('code').first().innerText()).trim();
    assert.match(seed, /^[0-9a-f]{32}$/, `the seed is published: ${text}`);

    // Anyone re-runs the draw with the published seed; another seed is refused.
    const visitor = await site.newPage();
    await visitor.page.goto(`${jobPath}?seed=${'0'.repeat(32)}`);
    assert.match(await textOf(visitor.page), /种子/, 'a different seed is refused');
    await visitor.page.goto(jobPath);
    await visitor.page.locator('#v-seed').fill(seed);
    await submit(visitor.page, '复核');
    assert.match(await textOf(visitor.page), new RegExp(`复核通过.*第一位为 ${winnerCode}`), await textOf(visitor.page));

    // The contract at the winning price.
    const row = page.locator('tr.good');
    const price = (await row.innerText()).match(/([0-9]+\.[0-9]{2}) 元/)[1];
    await page.locator('#c-amount').fill(price);
    await page.locator('#c-days').fill('10');
    await submit(page, '登记');
    assert.match(await textOf(page), new RegExp(`合同金额 ${price.replace('.', '\\.')} 元`), await textOf(page));

    // The winner, whichever firm the draw chose, delivers.
    const winner = await site.newPage();
    await loginAs(winner.page, winnerCode);
    await winner.page.goto(jobPath);
    const dir = mkdtempSync(join(tmpdir(), 'onewindow-market-'));
    const report = join(dir, '排水管网普查测绘成果.pdf');
    writeFileSync(report, '%PDF-1.4\n% 演示成果\n');
    await winner.page.locator('#d-report').setInputFiles(report);
    await submit(winner.page, '交付');
    rmSync(dir, { recursive: true, force: true });
    assert.match(await textOf(winner.page), /成果：排水管网普查测绘成果\.pdf/, await textOf(winner.page));

    // The buyer rates; a bad rating without a reason is refused first.
    await page.goto(jobPath);
    await page.locator('#r-stars').selectOption('2');
    await submit(page, '提交评价');
    assert.match(await textOf(page), /写明|原因|理由/, `a bad rating needs a reason: ${await textOf(page)}`);
    await page.locator('#r-stars').selectOption('5');
    await page.locator('#r-comment').fill('按期交付，成果规范');
    await submit(page, '提交评价');
    const done = await textOf(page);
    assert.match(done, /采购人评价：5 星/, done);
    assert.ok(done.includes(winnerName), `the winner is named: ${done}`);
    await shot(page, 'market-job.png');
    await context.close();
    await visitor.context.close();
    await winner.context.close();
  });

  test('the market pages fit a phone', async () => {
    const { context, page } = await site.newPage(PHONE);
    await page.goto('/market');
    await assertFitsWidth(page, PHONE.width);
    await Promise.all([page.waitForLoadState('load'), page.locator('tbody a').first().click()]);
    await assertFitsWidth(page, PHONE.width);
    await page.goto('/market/intermediaries');
    await assertFitsWidth(page, PHONE.width);
    await context.close();
  });
});
