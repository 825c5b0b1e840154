// Browser tests for the 12345 hotline: an operator answers a call from the knowledge base as
// they type; a complaint is dispatched to the wrong department, returned, re-dispatched,
// answered, called back unsatisfied, reopened, answered again and closed; a person asks on an
// item's guide, the department answers, and the answer is published on the guide.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, demoSite, shot, textOf, loginAs, alertText, assertFitsWidth } from './helpers.mjs';

/** 食品（含保健食品）经营许可核发 of the city's 市场监督管理局 (the demo reviewer's department). */
const FOOD = '11511600001516260L3010010002001';

/**
 * Posts the form holding `button` and waits for the page it leads to (a redirect, or the same
 * form again with its problems: the URL alone cannot tell), which must match `url`.
 */
async function press(page, button, url = /\/hotline\/tickets\//) {
  const navigated = page.waitForEvent('framenavigated', (f) => f === page.mainFrame());
  await button.click();
  await navigated;
  await page.waitForLoadState('load');
  assert.match(page.url(), url);
}

/** The ticket page's flash, or the problem shown instead. */
async function flash(page) {
  const f = page.locator('#ticket-flash');
  return (await f.count()) ? (await f.innerText()).trim() : `problem: ${await alertText(page)}`;
}

describe('The 12345 hotline in a browser', () => {
  const site = demoSite();
  const newPage = (viewport) => site.newPage(viewport);

  test('a call answered from the knowledge base while the operator types', async () => {
    const { page } = await newPage(DESKTOP);
    await loginAs(page, 'hotline');
    await page.goto('/hotline/desk');
    await page.locator('#region').selectOption('511602001');
    // Search as you type: the article appears without submitting anything.
    await page.locator('#q').pressSequentially('身份证丢了', { delay: 30 });
    const hit = page.locator('#desk-results .kb-hit', { hasText: '身份证丢了怎么补办' });
    await hit.waitFor();
    await hit.getByRole('button', { name: '用此答复' }).click();
    assert.match(await page.locator('#answer').inputValue(), /户政窗口申请补领/);
    await page.locator('#kind').selectOption('consult');
    await page.locator('#class').selectOption('0901');
    await page.locator('#caller_name').fill('赵来电');
    await page.locator('#caller_phone').fill('13811112222');
    await shot(page, 'hotline-desk.png');
    await press(page, page.locator('#answer-button'));
    assert.match(await flash(page), /已直接办结/);
    assert.equal((await page.locator('#ticket-state').innerText()).trim(), '已办结');
    assert.match(await page.locator('#ticket-answer').innerText(), /户政窗口申请补领[\s\S]*依据知识库 KB-0001/);
    // The operator sees the caller whole; the chain shows 登记 then 直接办结.
    assert.match(await page.locator('#ticket-caller').innerText(), /赵来电 · 13811112222/);
    assert.match(await page.locator('#ticket-events').innerText(), /登记[\s\S]*直接办结/);

    // Bad input: no text, a phone that is not one: both named, nothing filed.
    await page.goto('/hotline/desk');
    await page.locator('#class').selectOption('0101');
    await page.locator('#caller_name').fill('钱某');
    await page.locator('#caller_phone').fill('12345');
    await page.locator('#text').fill('   ');
    await press(page, page.locator('#file-button'), /\/hotline\/desk/);
    const problems = await alertText(page);
    assert.match(problems, /诉求内容不能为空/);
    assert.match(problems, /11 位手机号码或带区号的固定电话/);
    assert.equal(await page.locator('#caller_name').inputValue(), '钱某', 'what was typed stays');
  });

  test('a complaint dispatched, returned, re-dispatched, answered, called back unsatisfied, reopened and resolved', async () => {
    const operator = (await newPage(DESKTOP)).page;
    const dispatcher = (await newPage(DESKTOP)).page;
    const wrong = (await newPage(DESKTOP)).page;
    const handler = (await newPage(PHONE)).page;
    await loginAs(operator, 'hotline');
    await loginAs(dispatcher, 'dispatcher');
    await loginAs(wrong, 'cgzf12345');
    await loginAs(handler, 'zjj');

    // The call: a complaint about a lift, filed for dispatch.
    await operator.goto('/hotline/desk');
    await operator.locator('#kind').selectOption('complaint');
    await operator.locator('#class').selectOption('0101');
    await operator.locator('#region').selectOption('511602001');
    await operator.locator('#address').fill('北辰街道测试小区 7 栋');
    await operator.locator('#caller_name').fill('孙投诉');
    await operator.locator('#caller_phone').fill('13922223333');
    await operator.locator('#text').fill('测试小区 7 栋电梯停运十天，物业不修');
    await press(operator, operator.locator('#file-button'));
    assert.match(await flash(operator), /已登记，请派单/);
    const url = new URL(operator.url()).pathname;
    const number = (await operator.locator('h1').innerText()).replace('工单', '').trim();

    // The dispatcher sees the rule's suggestion (物业管理 → 住建局) but sends it to 城管 first.
    await dispatcher.goto('/hotline?queue=dispatch');
    await dispatcher.locator('#queue-table a', { hasText: number }).click();
    await dispatcher.waitForURL(url);
    assert.match(await dispatcher.locator('#suggestion').innerText(), /广安市住房和城乡建设局[\s\S]*城乡建设/);
    await dispatcher.locator('#step-department').selectOption('511600-CGZFJ');
    await press(dispatcher, dispatcher.locator('#dispatch-form button[type=submit]'));
    assert.match(await flash(dispatcher), /已派单至广安市城市管理综合执法局/);

    // 城管 returns it with a reason; an empty reason is refused first.
    await wrong.goto(url);
    assert.doesNotMatch(await wrong.locator('#ticket-caller').innerText(), /孙投诉|13922223333/, 'the caller is masked for departments');
    await press(wrong, wrong.locator('#return-form button[type=submit]'));
    assert.match(await alertText(wrong), /退单理由不能为空/);
    await wrong.locator('#step-reason').fill('电梯维保属住建部门监管');
    await press(wrong, wrong.locator('#return-form button[type=submit]'));
    assert.match(await flash(wrong), /已退单/);

    // The dispatcher upholds the return and re-dispatches to the suggested department.
    await dispatcher.goto(url);
    assert.match(await textOf(dispatcher), /电梯维保属住建部门监管/);
    await press(dispatcher, dispatcher.locator('#uphold-button'));
    assert.match(await flash(dispatcher), /回到待派单/);
    assert.equal(await dispatcher.locator('#step-department').inputValue(), '511600-ZJJ', 'the suggestion is preselected');
    // This time 城管 helps (协办): the clutter in the stairwell is theirs.
    await dispatcher.locator('#step-co_handlers').selectOption(['511600-CGZFJ']);
    await press(dispatcher, dispatcher.locator('#dispatch-form button[type=submit]'));
    assert.match(await flash(dispatcher), /已派单至广安市住房和城乡建设局/);
    assert.match(await textOf(dispatcher, '#ticket-department'), /协办：广安市城市管理综合执法局/);

    // 城管 gives its part (协办意见) for the lead department's reply.
    await wrong.goto(url);
    await wrong.locator('#co-text').fill('已清理楼道堆放杂物，配合住建部门检查');
    await press(wrong, wrong.locator('#co-reply-form button[type=submit]'));
    assert.match(await flash(wrong), /协办意见已提交/);

    // 住建 (on a phone) accepts and replies.
    await handler.goto('/hotline?queue=department');
    await handler.locator('#queue-table a', { hasText: number }).click();
    await handler.waitForURL(url);
    await assertFitsWidth(handler, PHONE.width);
    await press(handler, handler.locator('#accept-button'));
    assert.match(await flash(handler), /已签收/);
    assert.match(await handler.locator('#ticket-due').innerText(), /^\d{4}-\d{2}-\d{2}/);
    assert.match(await textOf(handler, '#ticket-co-replies'), /广安市城市管理综合执法局：已清理楼道堆放杂物/);
    await handler.locator('#step-text').fill('已约谈物业公司，维保单位三日内修复');
    await press(handler, handler.locator('#reply-form button[type=submit]'));
    assert.match(await flash(handler), /等待回访/);

    // The callback: not resolved, not satisfied, reopened (重办).
    await operator.goto('/hotline?queue=callback');
    await operator.locator('#queue-table a', { hasText: number }).click();
    await operator.waitForURL(url);
    await operator.locator('#cb-reopen').check();
    await operator.locator('#cb-note').fill('电梯仍未修好');
    await press(operator, operator.locator('#callback-button'));
    assert.match(await flash(operator), /退回承办单位重办/);
    assert.equal((await operator.locator('#ticket-state').innerText()).trim(), '办理中');

    // Answered again, called back resolved and satisfied: closed, and no second reopening.
    await handler.goto(url);
    await handler.locator('#step-text').fill('电梯已修复并通过检验');
    await press(handler, handler.locator('#reply-form button[type=submit]'));
    await operator.goto(url);
    assert.equal(await operator.locator('#cb-reopen').count(), 0, 'a ticket is reopened once');
    await operator.locator('#cb-resolved-yes').check();
    await operator.locator('#cb-satisfied-yes').check();
    await press(operator, operator.locator('#callback-button'));
    assert.match(await flash(operator), /工单办结/);
    assert.equal((await operator.locator('#ticket-state').innerText()).trim(), '已办结');
    assert.match(await operator.locator('#ticket-callback').innerText(), /已解决，满意/);
    const events = await operator.locator('#ticket-events').innerText();
    for (const step of ['登记', '派单', '退单', '退单审核', '签收', '回复办理结果', '回访']) {
      assert.ok(events.includes(step), `${step} in ${events}`);
    }
    await shot(operator, 'hotline-ticket.png');

    // The 接诉即办 page counts it; the figures show as charts and tables.
    await operator.goto('/hotline/figures');
    assert.match(await operator.locator('#figures-dept').innerText(), /广安市住房和城乡建设局/);
    assert.ok(await operator.locator('svg.chart').count() >= 3);
    await shot(operator, 'hotline-figures.png');
    // Drill down: the department's row lists its tickets, this one among them.
    await Promise.all([
      operator.waitForURL(/department=511600-ZJJ/),
      operator.locator('#figures-dept a', { hasText: '广安市住房和城乡建设局' }).click(),
    ]);
    assert.match(await operator.locator('#queue-table').innerText(), new RegExp(number));
    assert.doesNotMatch(await operator.locator('#queue-table').innerText(), /城市管理\/占道经营/, 'only the department\'s tickets');
  });

  test('a knowledge article written with regions chosen by name, an unknown item refused at its field', async () => {
    const { page } = await newPage(DESKTOP);
    await loginAs(page, 'hotline');
    await page.goto('/hotline/knowledge');
    await page.locator('#kb-question').fill('犬只免疫证明在哪里办？');
    await page.locator('#kb-answer').fill('到辖区动物诊疗机构接种狂犬疫苗后取得免疫证明。');
    // Regions are chosen from the operator's own, by name.
    const options = await page.locator('#kb-regions option').allInnerTexts();
    assert.ok(options.some((o) => /广安区（511602）/.test(o)), options.join(' / '));
    await page.locator('#kb-regions').selectOption(['511602']);
    await page.locator('#kb-items').fill('NOT-AN-ITEM');
    await page.locator('#kb-owner').selectOption({ index: 1 });
    await press(page, page.locator('#kb-form button[type=submit]'), /\/hotline\/knowledge/);
    assert.match(await alertText(page), /事项 NOT-AN-ITEM 不存在/);
    assert.deepEqual(await page.locator('#kb-regions').evaluate((s) => [...s.selectedOptions].map((o) => o.value)), ['511602'], 'the choice stays');
    assert.equal(await page.locator('#kb-question').inputValue(), '犬只免疫证明在哪里办？', 'what was typed stays');
    await page.locator('#kb-items').fill('');
    await press(page, page.locator('#kb-form button[type=submit]'), /\/hotline\/knowledge\//);
    assert.match(await page.locator('#kb-flash').innerText(), /已新增知识/);
    assert.equal((await page.locator('#kb-regions-shown').innerText()).trim(), '广安区');
  });

  test('a question asked on a guide, answered by the department and published without the asker', async () => {
    const citizen = (await newPage(DESKTOP)).page;
    const reviewer = (await newPage(DESKTOP)).page;
    await loginAs(citizen, site.server.citizen);
    await citizen.goto(`/items/${FOOD}`);
    await citizen.locator('#ask-text').fill('小作坊能否办理食品经营许可？');
    await press(citizen, citizen.locator('#ask-form button[type=submit]'), /\/questions/);
    assert.match(await citizen.locator('#questions-flash').innerText(), /咨询已提交/);
    assert.match(await textOf(citizen), /小作坊能否办理食品经营许可[\s\S]*等待答复/);

    await loginAs(reviewer, 'reviewer');
    await reviewer.goto('/questions');
    const card = reviewer.locator('#questions li', { hasText: '小作坊能否办理食品经营许可' });
    await card.locator('textarea').fill('食品小作坊按省里的小作坊管理办法登记，不办理食品经营许可；详见办事指南。');
    await card.locator('input[name=public]').check();
    await card.locator('input[name=to_knowledge]').check();
    await press(reviewer, card.getByRole('button', { name: '答复' }), /\/questions/);
    assert.match(await reviewer.locator('#questions-flash').innerText(), /公开在办事指南/);

    await citizen.goto(`/items/${FOOD}`);
    const published = await citizen.locator('#public-questions').innerText();
    assert.match(published, /小作坊能否办理食品经营许可[\s\S]*按省里的小作坊管理办法登记/);
    assert.doesNotMatch(published, /张三/, 'the asker is not shown');
    await shot(citizen, 'hotline-guide-question.png');

    // The answer went into the knowledge base: the operator finds it as they type.
    const { page: op } = await newPage(DESKTOP);
    await loginAs(op, 'hotline');
    await op.goto('/hotline/desk');
    await op.locator('#q').pressSequentially('小作坊', { delay: 30 });
    await op.locator('#desk-results .kb-hit', { hasText: '小作坊能否办理食品经营许可' }).waitFor();
  });
});
