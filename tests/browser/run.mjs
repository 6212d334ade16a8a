// Browser tests of the web pages, in headless Debian Chromium driven by playwright-core, against
// the stack deploy/local/test.sh started (DAIBAN_TEST_GATEWAY_PORT, DAIBAN_TEST_APP_PG_URL).
// A screenshot of each page goes to DAIBAN_SCREENSHOT_DIR. Exit status 0 only when every check
// passed; a missing server or browser fails the run, never skips it.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";

const port = process.env.DAIBAN_TEST_GATEWAY_PORT;
const pgUrl = process.env.DAIBAN_TEST_APP_PG_URL;
const shots = process.env.DAIBAN_SCREENSHOT_DIR || "browser-screenshots";
if (!port || !pgUrl) throw new Error("DAIBAN_TEST_GATEWAY_PORT and DAIBAN_TEST_APP_PG_URL must be set (run through make test)");
const base = `http://127.0.0.1:${port}`;
mkdirSync(shots, { recursive: true });

const unique = () => Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
async function call(method, url, body, token, headers = {}) {
  const h = { ...headers };
  if (token) h.Authorization = "Bearer " + token;
  if (body !== undefined) h["Content-Type"] = "application/json";
  const response = await fetch(base + url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, json, text };
}
async function staff(phone) {
  const r = await call("POST", "/api/v1/auth/login", { phone, password: "daiban-demo" });
  assert.equal(r.status, 200, r.text);
  return r.json.token;
}
async function phoneLogin(phone) {
  const r = await call("POST", "/mobile/v1/auth/login", { phone, password: "daiban-demo", device_id: "browser-" + unique() });
  assert.equal(r.status, 200, r.text);
  return r.json.access_token;
}
async function eventually(probe, seconds, what) {
  for (let i = 0; i < seconds * 4; i++) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error("timed out: " + what);
}
function sql(statement) {
  return execFileSync("psql", [pgUrl, "-v", "ON_ERROR_STOP=1", "-qtAc", statement], { encoding: "utf8" }).trim();
}

// A case of 户口迁移 in 历下区, accepted by the window.
async function acceptedCase(express) {
  const request = {
    item_code: "GA-002", mode: "proxy", region_code: "370102001",
    applicant: { kind: "citizen", name: "周浏览", phone: "13912341111", id_number: "370102198001011237",
      address: "历下区泉城路2号", location: { lat: 36.664, lng: 117.03 } },
    materials: [1, 2, 3, 4, 5].map((seq) => ({ seq, status: "provided" })),
    delivery: express ? { method: "express", address: "历下区泉城路2号3单元", location: { lat: 36.664, lng: 117.03 } } : { method: "window" },
  };
  const created = await call("POST", "/api/v1/cases", request, null, { "Idempotency-Key": "browser-" + unique() });
  assert.equal(created.status, 201, created.text);
  const accepted = await call("POST", `/api/v1/cases/${created.json.tracking_number}/accept`, {}, await staff("13800000003"));
  assert.equal(accepted.status, 200, accepted.text);
  return created.json;
}

const results = [];
let page = null;
async function check(name, body) {
  try {
    await body();
    results.push([name, true]);
    console.log("PASS " + name);
  } catch (error) {
    results.push([name, false]);
    console.log("FAIL " + name + "\n" + (error.stack || error));
    // What the page showed when it failed, for whoever reads the log.
    const index = results.length;
    await page.screenshot({ path: path.join(shots, `failed-${index}.png`), fullPage: true }).catch(() => {});
    console.log("page text: " + (await page.innerText("body").catch(() => "?")).slice(0, 2000));
  }
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "zh-CN" });
page = await context.newPage();
const shot = (name) => page.screenshot({ path: path.join(shots, name + ".png"), fullPage: true });

// A map of the city rendered: the twelve districts' real outlines, each with a path of its own,
// laid out at a usable size; a screenshot of the map alone goes next to the page's.
async function checkCityMap(id, name) {
  await page.waitForFunction((sel) => document.querySelectorAll(sel + " path[data-district]").length === 12, "#" + id, { timeout: 15000 });
  const box = await page.locator("#" + id).boundingBox();
  assert.ok(box && box.width > 300 && box.height > 150, "map size " + JSON.stringify(box));
  // A district outline is a real shape: hundreds of vertices, not a tile.
  const vertices = await page.$eval(`#${id} path[data-district="370102"]`, (p) => p.getAttribute("d").split("L").length);
  assert.ok(vertices > 50, "历下区 has " + vertices + " vertices");
  await page.locator("#" + id).screenshot({ path: path.join(shots, name + ".png") });
}

await check("a supervisor finds an overdue case, reassigns it and sees the agent board change", async () => {
  const { tracking_number: tracking } = await acceptedCase(false);
  // The test's own case is made overdue: its committed deadline already passed.
  assert.equal(sql(`UPDATE cases SET deadline_at = now() - interval '1 day', at_risk_at = now() - interval '3 days'
                    WHERE tracking_number = '${tracking}' RETURNING 1`), "1");

  await page.goto(base + "/console/");
  await page.fill("#login-phone", "13800000001");
  await page.fill("#login-password", "wrong-password");
  await page.click("#login-submit");
  await page.waitForSelector("text=手机号或密码错误");
  await shot("console-login");
  await page.fill("#login-password", "daiban-demo");
  await page.click("#login-submit");
  const row = page.locator(`tr[data-tracking="${tracking}"]`);
  await row.waitFor({ timeout: 15000 });
  assert.match(await row.innerText(), /超期/);
  await shot("console-alerts");

  await row.click();
  await page.waitForSelector("#reassign-agent");
  const options = await page.$$eval("#reassign-agent option", (os) => os.filter((o) => o.value && !o.disabled).map((o) => ({ id: o.value, label: o.textContent })));
  assert.ok(options.length > 0, "no eligible agent offered");
  const chosen = options[0];
  const name = chosen.label.split("（")[0];

  await page.goto(base + "/console/#/agents");
  const cell = page.locator(`tr[data-agent-id="${chosen.id}"] td.open-cases`);
  await cell.waitFor();
  const before = parseInt((await cell.innerText()).split("/")[0], 10);
  await page.waitForSelector("#agent-map circle[data-agent]");
  await checkCityMap("agent-map", "map-agents");
  // The test's overdue case is drawn where its applicant is, in the overdue colour.
  await page.waitForSelector(`#agent-map [data-case="${tracking}"][data-urgency="overdue"]`);
  await page.waitForSelector("#agent-map rect[data-courier]");
  // Tapping a district shows its numbers.
  await page.$eval('#agent-map path[data-district="370102"]', (p) => p.dispatchEvent(new MouseEvent("click")));
  assert.match(await page.innerText("#agent-map-info"), /历下区：代办员 \d+（在岗 \d+），寄递员 \d+，办件 [1-9]\d*（超期 [1-9]/);

  await page.goto(base + "/console/#/case/" + tracking);
  await page.waitForSelector("#reassign-agent");
  await page.selectOption("#reassign-agent", chosen.id);
  await page.click("#reassign-submit");
  await page.waitForSelector("text=请填写原因");  // the reason is required
  await page.fill("#reassign-reason", "原代办员请假，改派");
  await page.click("#reassign-submit");
  await page.waitForFunction((n) => document.querySelector("#case-agent") && document.querySelector("#case-agent").textContent.startsWith(n), name);
  assert.equal(await page.innerText("#case-state"), "已派单");
  await page.waitForSelector("#custody");
  await shot("console-case");

  await page.goto(base + "/console/#/agents");
  await page.waitForFunction(([id, n]) => {
    const c = document.querySelector(`tr[data-agent-id="${id}"] td.open-cases`);
    return c && parseInt(c.textContent.split("/")[0], 10) === n;
  }, [chosen.id, before + 1], { timeout: 15000 });
  // The board's map is drawn after its table: the screenshot waits for both.
  await page.waitForFunction(() => document.querySelectorAll("#agent-map path[data-district]").length === 12
    && document.querySelector("#agent-map circle[data-agent]"), undefined, { timeout: 15000 });
  await shot("console-agents");
});

await check("the queue, statistics, follow-up and simulation pages render, and signing out signs out", async () => {
  await page.goto(base + "/console/#/queue");
  await page.waitForSelector("#queue-rows tr");
  await page.waitForSelector("#dispatch-alerts", { state: "attached" });
  await checkCityMap("queue-map", "map-queue");
  await page.waitForSelector("#queue-map circle[data-agent]");
  await shot("console-queue");
  await page.goto(base + "/console/#/stats");
  await page.waitForSelector("#stats-table");
  await page.waitForSelector("#chart-volume");
  // The case this run made overdue is in the statistics of today.
  const total = await page.$$eval("#stats-table tbody tr", (rows) => rows[rows.length - 1].children[1].textContent);
  assert.ok(Number(total) >= 1, "received in the totals: " + total);
  await shot("console-stats");
  await page.goto(base + "/console/#/followups");
  await page.waitForSelector("#followup-rows tr");
  await shot("console-followups");

  // A simulated day an administrator published: listed, opened, its page shown sandboxed.
  const title = "浏览器模拟日 " + unique();
  const summary = { scenario: "browser", seed: 1, day: "2026-03-03", line: "simulated day: 2 cases, on-time 100.0%",
    city: { cases: 2, on_time_rate: 100, offer_latency_ms: { p50: 10, p99: 20 }, agents: 1, couriers: 1 },
    problems: { lost: 0, duplicated: 0, unclosed: 0 }, run: { wall_s: 3, load_average: 1 }, changes: { agents_factor: 0.7 } };
  const html = '<!doctype html><style>p{color:#b71c1c}</style><p id="last-line">模拟日报 页面</p><script>parent.document.title="pwned"</script>';
  const published = await call("POST", "/api/v1/simulations/reports", { title, summary, html }, await staff("13800000000"));
  assert.equal(published.status, 201, published.text);
  await page.goto(base + "/console/#/simulations");
  const row = page.locator(`#simulation-rows tr[data-report="${published.json.id}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /100\.0%/);
  assert.match(await row.innerText(), /代办员倍数 ×0\.7/);
  await shot("console-simulations");
  await row.click();
  await page.waitForSelector("#simulation-title");
  assert.equal(await page.innerText("#simulation-title"), title);
  assert.match(await page.innerText("#simulation-summary"), /p99 20 ms/);
  const frame = page.frameLocator("#simulation-frame");
  await frame.locator("#last-line").waitFor();
  assert.equal(await frame.locator("#last-line").innerText(), "模拟日报 页面");
  // Sandboxed: the uploaded page's script never ran.
  assert.equal(await page.getAttribute("#simulation-frame", "sandbox"), "");
  assert.notEqual(await page.title(), "pwned");
  await shot("console-simulation");
  await page.click("#logout");
  await page.waitForSelector("#login-phone");
  // Signed out means signed out: the console asks again.
  await page.goto(base + "/console/#/agents");
  await page.waitForSelector("#login-phone");
});

await check("the public tracking page follows a courier on a map", async () => {
  const created = await acceptedCase(true);
  const tracking = created.tracking_number;
  const supervisor = await staff("13800000001");
  // The supervisor gives it to 赵代办 directly (dispatch's offers are the e2e tests' subject; the
  // places of 历下区's agents may all be held by their offers), who reports up to the result.
  const agents = (await call("GET", "/api/v1/dispatch/agents?region=370102", undefined, supervisor)).json.agents;
  const zhao = agents.find((a) => a.phone === "13800000004");
  assert.ok(zhao, "赵代办 is not on the board");
  const assigned = await call("POST", `/api/v1/dispatch/cases/${tracking}/assign`, { agent_id: zhao.id, reason: "浏览器测试指定" }, supervisor);
  assert.equal(assigned.status, 200, assigned.text);
  const agent = await phoneLogin("13800000004");
  for (const kind of ["materials_collected", "submitted_to_window", "result_obtained"]) {
    const body = kind === "result_obtained" ? { kind, result_reference: "户迁字-浏览器" } : { kind };
    const r = await call("POST", `/mobile/v1/cases/${tracking}/progress`, body, agent, { "Idempotency-Key": unique() });
    assert.equal(r.status, 200, r.text);
  }
  const delivery = await eventually(async () => {
    const legs = (await call("GET", "/api/v1/deliveries?case=" + tracking, undefined, supervisor)).json.deliveries;
    return legs.length && legs[0].state === "assigned" ? legs[0] : null;
  }, 20, "a courier for " + tracking);
  const courier = await phoneLogin(delivery.courier.phone);
  const picked = await call("POST", `/mobile/v1/deliveries/${delivery.id}/picked_up`, {}, courier, { "Idempotency-Key": unique() });
  assert.equal(picked.status, 200, picked.text);
  const now = Date.now();
  const fixes = [[36.655, 117.045, 4], [36.658, 117.040, 2]].map(([lat, lng, minutes]) => ({ lat, lng, device_time: new Date(now - minutes * 60000).toISOString() }));
  assert.equal((await call("POST", "/mobile/v1/locations", { fixes }, courier)).status, 200);

  await page.goto(`${base}/track/?tracking=${tracking}&code=${created.access_code}`);
  await page.waitForSelector("svg.map circle");
  // The district of the address (历下区) lies under the courier and the address.
  await page.waitForSelector('#track-map path[data-district="370102"]');
  assert.ok((await page.$eval('#track-map path[data-district="370102"]', (p) => p.getAttribute("d").split("L").length)) > 50);
  // The courier is a few hundred metres from the address: their labels must not cover each other
  // and must stay on the map.
  const labels = await page.$$eval("#track-map text[data-label]", (ts) => ts.map((t) => {
    const b = t.getBoundingClientRect(), m = t.ownerSVGElement.getBoundingClientRect();
    return { left: b.left, right: b.right, top: b.top, bottom: b.bottom, inside: b.left >= m.left && b.right <= m.right };
  }));
  assert.equal(labels.length, 2);
  const [a, b] = labels;
  assert.ok(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top, "labels overlap: " + JSON.stringify(labels));
  assert.ok(a.inside && b.inside, "a label leaves the map: " + JSON.stringify(labels));
  await page.locator("#track-map").screenshot({ path: path.join(shots, "map-track.png") });
  assert.match(await page.innerText("#result"), /寄递员已取件/);
  assert.match(await page.innerText("#result"), /预计 \d\d:\d\d 送达/);
  await shot("track-page");
});

await browser.close();
const failed = results.filter(([, ok]) => !ok).length;
console.log(`${results.length - failed} passed, ${failed} failed; screenshots in ${shots}`);
process.exit(failed ? 1 : 0);
