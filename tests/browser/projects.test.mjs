// Browser test of 工程建设项目: the demo enterprise registers an enterprise-invested project
// (备案, general path) and names the window's clerk its 代办员; the owner files 立项用地规划许可,
// the agent files 工程建设许可 in the owner's name, the owner files 施工许可 (its 建设工程规划许可证
// carried from the second stage, not asked for) and 竣工验收, each on the stage's bundle page; every member case is taken to 办结 by the window and its
// department's two reviewers (a member that waits for another starts when it is approved).
// At 竣工验收 住建局 opens a 联合验收 with 消防救援; 消防 asks for a change, 住建 passes, the
// lead's decision sends one rectification notice back and holds the clock; the owner
// resubmits and the second round passes. All four stages stand finished and the clock shows
// the days between stages as the enterprise's. The pages fit a phone.
//
// Screenshot: project.png (the project after its fourth stage).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  demoSite, shot, loginAs, alertText, textOf, assertFitsWidth, PHONE,
} from './helpers.mjs';
import { pdf, fillForm, act, reviewAsFarAsAllowed, caseState, problem } from './case-helpers.mjs';

/** A project code the demo has not registered (投资项目代码: year-region-industry-type-serial). */
const CODE = '2026-511602-47-03-000555';
const NAME = '协兴园区冷链仓储中心（演示）';
/** app::demo_projects::WORKSHOP, for the phone check. */
const WORKSHOP = '2026-511602-13-03-000103';
const POINT = '消防车道净宽不足 4 米';

/** The reviewers (承办 and 批准, 审核) of a department, by a word of its name. */
const REVIEWERS = [
  ['住房', ['zjjsc', 'zjjsh']],
  ['自然资源', ['ghjsc', 'ghjsh']],
  ['生态环境', ['sthjsc', 'sthjsh']],
];

async function submit(page, button) {
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
}

/** One signed-in page per login, kept for the whole test (fewer logins). */
function staffPages(site) {
  const pages = new Map();
  return {
    async of(login) {
      if (!pages.has(login)) {
        const u = await site.newPage();
        await loginAs(u.page, login);
        pages.set(login, u);
      }
      return pages.get(login).page;
    },
    async close() {
      for (const u of pages.values()) await u.context.close();
    },
  };
}

/**
 * Takes a submitted member case to 办结 the way the departments do: the window accepts, the
 * department's 承办 and 审核 (two people) review, the first approves, the window issues and
 * completes.
 */
async function finishCase(staff, href, department) {
  const entry = REVIEWERS.find(([word]) => department.includes(word));
  assert.ok(entry, `no reviewers for ${department}`);
  const [firstLogin, secondLogin] = entry[1];
  const clerk = await staff.of('clerk');
  await clerk.goto(href);
  await act(clerk, '#do-accept', '已受理');
  const first = await staff.of(firstLogin);
  const second = await staff.of(secondLogin);
  for (const who of [first, second, first]) {
    await who.goto(href);
    await reviewAsFarAsAllowed(who, '经审查符合要求');
  }
  await clerk.goto(href);
  assert.equal(await caseState(clerk), '准予许可', await problem(clerk));
  await act(clerk, '#do-issue', '出件中');
  await act(clerk, '#do-complete', '已办结');
}

/** The stage's member rows on the project page: item, department, case link, state. */
async function members(page, stage) {
  const section = page.locator('ol.stages > li', { has: page.locator('h3', { hasText: stage }) });
  return section.locator('tbody tr').evaluateAll((rows) => rows.map((r) => ({
    item: r.cells[0].textContent.trim(),
    department: r.cells[1].textContent.trim(),
    href: r.cells[2].querySelector('a')?.getAttribute('href') ?? null,
    state: r.cells[3].textContent.trim(),
  })));
}

/** Works every member of a filed stage to 办结, the waiting ones as they start. */
async function finishStage(owner, staff, stage) {
  for (let pass = 0; pass < 3; pass += 1) {
    await owner.goto(`/projects/${CODE}`);
    const open = (await members(owner, stage)).filter((m) => m.href && m.state !== '已办结');
    if (open.length === 0) break;
    for (const m of open) await finishCase(staff, m.href, m.department);
  }
  await owner.goto(`/projects/${CODE}`);
  const rows = await members(owner, stage);
  assert.ok(rows.length >= 2 && rows.every((m) => m.state === '已办结'), `${stage}: ${JSON.stringify(rows)}`);
}

/** `who` files the next stage on its bundle page, with the form filled and every file uploaded. */
async function fileStage(page, stage, carried = null) {
  await page.goto(`/projects/${CODE}`);
  const section = page.locator('ol.stages > li', { has: page.locator('h3', { hasText: stage }) });
  // Wait for the bundle page itself: the project page's own 'load' has already fired, so
  // waiting for a load state could return before the navigation starts.
  await Promise.all([page.waitForURL(/\/bundles\//), section.getByRole('link', { name: '申报本阶段' }).click()]);
  assert.match(await textOf(page), new RegExp(`为工程建设项目 ${CODE} 申报本阶段`));
  if (carried) {
    assert.match(await page.locator('#bundle-materials').innerText(), carried, 'an earlier stage\'s result is not asked for');
  }
  await fillForm(page, '#bundle-form');
  const dir = mkdtempSync(join(tmpdir(), 'onewindow-project-'));
  for (const input of await page.locator('#bundle-materials input[type=file]').all()) {
    const label = await page.locator(`label[for="${await input.getAttribute('id')}"]`).textContent();
    await input.setInputFiles(pdf(dir, label.trim().replace(/^上传/, '')));
  }
  await Promise.all([page.waitForURL(/\/projects\/[^/]+\?flash=started$/), page.locator('#do-apply-bundle').click()])
    .catch(async (e) => { throw new Error(`filing ${stage} failed on ${page.url()}: ${await alertText(page)}\n${e.message}`); });
  rmSync(dir, { recursive: true, force: true });
  assert.match(await textOf(page), /阶段已申报/);
}

/** The project page as `login` sees it (a fresh context each time). */
async function asUser(site, login) {
  const { context, page } = await site.newPage();
  await loginAs(page, login);
  await page.goto(`/projects/${CODE}`);
  return { context, page };
}

describe('工程建设项目 in a browser', () => {
  const site = demoSite();

  test('an enterprise-invested project through four stages, one joint acceptance sent back once', async () => {
    const owner = await site.newPage();
    await loginAs(owner.page, site.server.enterprise);
    const staff = staffPages(site);

    // Registration: the code checked, the form kept after an error.
    await owner.page.goto('/projects');
    await owner.page.locator('#p-code').fill('2026-511602-47-03-00055');
    await owner.page.locator('#p-name').fill(NAME);
    await owner.page.locator('#p-region').fill('511602');
    await owner.page.locator('#p-area').fill('12000');
    await owner.page.locator('#p-land').fill('国有建设用地使用权出让');
    await owner.page.locator('#p-scale').fill('冷库一栋、分拣车间一栋');
    await submit(owner.page, '登记');
    assert.match(await alertText(owner.page), /投资项目代码/, 'a short code is refused');
    assert.equal(await owner.page.locator('#p-name').inputValue(), NAME, 'what was typed stays');
    await owner.page.locator('#p-code').fill(CODE);
    await Promise.all([owner.page.waitForURL(/flash=registered/), owner.page.getByRole('button', { name: '登记', exact: true }).click()]);
    assert.match(await textOf(owner.page), /企业投资（备案）/);

    // The window's clerk as 代办员 (a 帮办代办 grant of the owner's).
    await owner.page.locator('#p-agent').fill('clerk');
    await submit(owner.page, '保存代办员');
    assert.match(await textOf(owner.page), /代办员\s*赵综窗/);

    await fileStage(owner.page, '立项用地规划许可');
    let text = await textOf(owner.page);
    assert.match(text, /建设项目用地预审与选址意见书/, text);
    await finishStage(owner.page, staff, '立项用地规划许可');

    // The agent files the second stage in the owner's name.
    const agent = await staff.of('clerk');
    await agent.goto('/projects');
    assert.match(await textOf(agent), new RegExp(`${NAME}\\s*我代办`));
    await fileStage(agent, '工程建设许可');
    await owner.page.goto('/projects');
    assert.match(await owner.page.locator('#reminders').innerText(), /代办员赵综窗为您申报了“工程建设许可”阶段/);
    await finishStage(owner.page, staff, '工程建设许可');

    // The 建设工程规划许可证 the second stage produced is carried into the third (免提交).
    await fileStage(owner.page, '施工许可', /由前一阶段的审批结果提供（免提交）：建设工程规划许可证：办件 \d+/);
    await finishStage(owner.page, staff, '施工许可');

    // 竣工验收: filed by the owner; 住建局 leads a 联合验收 with 消防救援.
    await fileStage(owner.page, '竣工验收');
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

    await lead.page.goto(`/projects/${CODE}`);
    await submit(lead.page, '提交意见');
    await submit(lead.page, '牵头部门作出综合决定');
    text = await textOf(lead.page);
    assert.match(text, /整改通知（一次性告知）/, text);
    assert.ok(text.includes(POINT), text);
    assert.match(text, /整改.*进行中/, `the clock is held while the enterprise rectifies: ${text}`);

    // The owner resubmits; the second round passes.
    await owner.page.goto(`/projects/${CODE}`);
    await submit(owner.page, '整改完成，重新提交');
    assert.match(await textOf(owner.page), /联合验收（第 2 轮，各部门审查中）/, await textOf(owner.page));
    await fire.page.goto(`/projects/${CODE}`);
    await submit(fire.page, '提交意见');
    await lead.page.goto(`/projects/${CODE}`);
    await submit(lead.page, '提交意见');
    await submit(lead.page, '牵头部门作出综合决定');
    assert.match(await textOf(lead.page), /联合验收（第 2 轮，已通过）/, await textOf(lead.page));

    await finishStage(owner.page, staff, '竣工验收');
    await owner.page.goto(`/projects/${CODE}`);
    text = await textOf(owner.page);
    assert.equal((text.match(/已办结（申报于/g) ?? []).length, 4, `all four stages finished: ${text}`);
    assert.match(text, /政府部门已用 \d+ 个工作日，承诺 80 个工作日/, text);
    await shot(owner.page, 'project.png');
    for (const u of [owner, lead, fire]) await u.context.close();
    await staff.close();
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
