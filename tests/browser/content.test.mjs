// Browser test of 通知公告, 政策解读 and news: the city's catalog administrator (王事项) writes a
// 政策解读 (one that explains nothing is refused on its field, what was typed kept), links it to
// the demo's 免申即享 subsidy and submits it; 王事项 cannot publish his own words. The system
// administrator returns it without a reason (refused) and then with one; 王事项 reworks and
// resubmits; the administrator publishes. A visitor finds it on the list, by search on the
// portal's search page, and on the policy's page. The demo's scheduled and expired notices are
// not on the portal but on the editors' desk. The county's catalog administrator makes a 申报
// policy's rule the 秒批 condition of its item. The pages fit a phone.
//
// Screenshots: posts.png (the list), post.png (the published 解读, 390 px wide).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  demoSite, shot, loginAs, alertText, textOf, assertFitsWidth, PHONE,
} from './helpers.mjs';

const TITLE = '稳岗补贴怎么领？三问三答（演示）';

async function submit(page, button) {
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
}

describe('通知公告与政策解读 in a browser', () => {
  const site = demoSite();
  let postUrl = '';

  test('a 解读 is written, returned, reworked, published by another editor and found', async () => {
    const writer = await site.newPage();
    const page = writer.page;
    await loginAs(page, 'catalog');
    await page.goto('/posts');
    await Promise.all([page.waitForURL(/\/posts\/new$/), page.getByRole('link', { name: '写稿' }).click()]);
    await page.getByLabel('栏目').selectOption({ label: '政策解读' });
    await page.getByLabel('标题').fill(TITLE);
    await page.getByLabel('发布单位').selectOption({ label: '广安市人力资源和社会保障局' });
    await page.getByLabel('发布地区（行政区划代码）').fill('511600');
    await page.getByLabel('正文（空一行分段）').fill('问：要不要申请？\n答：不用申请，平台自动认定。\n\n问：钱打到哪里？\n答：企业在“我的政策”确认的账户。');
    await submit(page, '保存草稿');
    assert.match(await alertText(page), /1 处问题/, await textOf(page));
    assert.match(await page.locator('#c-policies-err').innerText(), /须关联至少一项政策或事项/);
    assert.equal(await page.getByLabel('标题').inputValue(), TITLE, 'what was typed stays');

    await page.getByLabel('解读的政策（政策编号，每行一个）').fill('DEMO-POLICY-EMPLOYMENT');
    await submit(page, '保存草稿');
    assert.match(new URL(page.url()).pathname, /^\/posts\/[0-9a-f-]{36}$/, await textOf(page));
    postUrl = new URL(page.url()).pathname;
    assert.match(await textOf(page), /草稿（未发布）/);
    await submit(page, '提交审核');
    const text = await textOf(page);
    assert.match(text, /待审核/);
    assert.match(text, /须由另一位编辑审核发布/);
    assert.equal(await page.getByRole('button', { name: '审核通过并发布' }).count(), 0, 'no one publishes their own words');

    // Not on the portal while in review.
    const visitor = await site.newPage();
    const vp = visitor.page;
    const missing = await vp.goto(postUrl);
    assert.equal(missing.status(), 404);

    // The other editor returns it: a reason is needed.
    const reviewer = await site.newPage();
    const rp = reviewer.page;
    await loginAs(rp, 'admin');
    await rp.goto('/posts/desk');
    await Promise.all([rp.waitForLoadState('load'), rp.getByRole('link', { name: TITLE }).click()]);
    await submit(rp, '退回修改');
    assert.match(await rp.locator('#r-reason-err').innerText(), /写明需要修改的地方/);
    await rp.getByLabel('退回意见').fill('请写明认定依据的数据来源');
    await submit(rp, '退回修改');
    assert.match(await textOf(rp), /已退回修改/);

    await page.reload();
    assert.match(await textOf(page), /请写明认定依据的数据来源/);
    await Promise.all([page.waitForURL(/\/edit$/), page.getByRole('link', { name: '修改', exact: true }).click()]);
    const body = await page.getByLabel('正文（空一行分段）').inputValue();
    await page.getByLabel('正文（空一行分段）').fill(`${body}\n\n问：依据什么认定？\n答：市场主体登记和社保参保的共享数据。`);
    await submit(page, '保存草稿');
    await submit(page, '提交审核');

    await rp.goto(postUrl);
    await submit(rp, '审核通过并发布');
    assert.match(await textOf(rp), /已发布（公开中）/);
    await shot(rp, 'post-review.png');

    // A visitor: on the list, by search, on the policy's page.
    await vp.goto('/posts?kind=interpretation');
    assert.match(await textOf(vp), new RegExp(TITLE.replace(/[？（）]/g, '.')));
    await shot(vp, 'posts.png');
    await vp.goto(`/search?q=${encodeURIComponent('稳岗补贴')}`);
    assert.match(await vp.locator('#post-results').innerText(), /三问三答/);
    await vp.goto(`/posts?q=${encodeURIComponent('社保参保 共享数据')}`);
    assert.match(await textOf(vp), /三问三答/);
    await vp.goto('/policies/DEMO-POLICY-EMPLOYMENT');
    assert.match(await vp.locator('#interpretations').innerText(), /三问三答/);
    await vp.goto(postUrl);
    const article = await textOf(vp, 'article');
    assert.match(article, /广安市人力资源和社会保障局/);
    assert.match(article, /市场主体登记和社保参保的共享数据/);
    assert.match(article, /小微企业吸纳就业一次性补贴（演示）/, 'the linked policy by its title');
    await Promise.all([visitor.context.close(), reviewer.context.close(), writer.context.close()]);
  });

  test('scheduled and expired notices are on the desk, not the portal; the pinned one leads', async () => {
    const { context, page } = await site.newPage();
    await page.goto('/');
    const notices = await page.locator('section', { hasText: '通知公告' }).first().innerText();
    assert.match(notices, /置顶\s*关于小微企业吸纳就业补贴免申即享认定结果的公示/, notices);
    await page.goto('/posts');
    const list = await textOf(page);
    assert.ok(!list.includes('系统升级期间暂停网上申请'), 'a scheduled notice waits for its time');
    assert.ok(!list.includes('已过期'), 'an expired notice is gone');
    await loginAs(page, 'catalog');
    await page.goto('/posts/desk');
    const desk = await textOf(page);
    assert.match(desk, /系统升级期间暂停网上申请[\s\S]*定时发布/);
    assert.match(desk, /集中申报期安排[\s\S]*已过期下线/);
    await context.close();
  });

  test('a 申报 policy becomes the 秒批 condition of its item', async () => {
    const { context, page } = await site.newPage();
    await loginAs(page, 'catalog-gaq');
    await page.goto('/policies/DEMO-POLICY-DISABILITY');
    const before = await page.locator('section', { hasText: '申报与秒批' }).innerText();
    assert.match(before, /尚未设为该事项的秒批条件/);
    await submit(page, '把适用条件设为该事项的秒批条件（生成事项草稿）');
    assert.match(await textOf(page), /已生成事项草稿/);
    assert.match(await page.locator('section', { hasText: '申报与秒批' }).innerText(), /待事项发布后生效/);
    await context.close();
  });

  test('the content pages fit a phone', async () => {
    const { context, page } = await site.newPage(PHONE);
    await page.goto('/posts');
    await assertFitsWidth(page, PHONE.width);
    await page.goto(postUrl || '/posts');
    await assertFitsWidth(page, PHONE.width);
    await shot(page, 'post.png');
    await page.goto('/');
    await assertFitsWidth(page, PHONE.width);
    await context.close();
  });
});
