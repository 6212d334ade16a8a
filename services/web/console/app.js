"use strict";
// 督办台, the supervisor console: one page over the staff API of the gateway it is served by.
// The bearer token lives in this tab's sessionStorage; every list refreshes itself while shown.

const STATE = {
  submitted: "待受理", accepted: "已受理待派单", assigned: "已派单", in_progress: "办理中",
  suspended: "中止", result_ready: "已出结果", out_for_delivery: "寄递中", delivered: "已送达",
  closed: "已办结", rejected: "不予受理", cancelled: "已撤销",
};
const EVENT = {
  created: "提交申请", accept: "受理", reject: "不予受理", assign: "派单", unassign: "撤回派单",
  start_progress: "开始办理", record_progress: "办理进展", request_supplement: "要求补正",
  suspend: "中止", resume: "恢复", result_obtained: "取得结果", pick_up: "寄递员取件",
  deliver: "送达", hand_over: "当面交付", close: "办结", cancel: "撤销", rated: "评价",
  material_supplied: "补交材料", courier_assigned: "安排寄递员", courier_arrived: "寄递员到达",
  delivery_failed: "投递未成功", delivery_refused: "身份核验不符", handover_refused: "窗口核验不符",
  collection_requested: "预约上门取件", collection_picked_up: "上门取件",
  collection_delivered: "原件送达", collection_failed: "上门取件未成功", note: "备注",
  handed_to_courier: "交寄递员",
};
const ROLE = { applicant: "申请人", agent: "代办员", window: "窗口", courier: "寄递员",
  supervisor: "督办", admin: "管理员", system: "系统" };
const DELIVERY = { pending: "待派寄递员", assigned: "待取件", picked_up: "派送中", arrived: "已到达",
  delivered: "已签收", cancelled: "已取消" };
const ALERT = { yellow: "预警", red: "超期", reassignment_candidate: "建议改派", unassigned: "无人接单",
  delivery_failed: "多次投递未成功" };
const CLASS = { zero_trip: "零跑腿", one_trip: "只跑一次", we_run: "你不用跑我来跑", bundle: "一件事" };
const MODE = { proxy: "代办", assisted: "帮办", led: "领办" };
const REFRESH_MS = 10000;

const session = {
  token: sessionStorage.getItem("daiban.token"),
  me: JSON.parse(sessionStorage.getItem("daiban.me") || "null"),
};
const regions = new Map();  // code -> {name, level, parent, center}
let timers = [];

// ---------------------------------------------------------------------------------------------
// Small helpers

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  }
  return e;
}
function svgEl(tag, attrs, text) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
const hm = (at) => (at ? at.replace("T", " ").slice(0, 16) : "—");
const regionName = (code) => (regions.get(code) ? regions.get(code).name : code || "—");
const pct = (v) => (v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%");
const num = (v) => (v === null || v === undefined ? "—" : String(v));
function badge(kind, text) { return el("span", { class: "badge " + kind }, text); }
function toast(text) {
  const t = document.getElementById("toast");
  t.textContent = text;
  t.hidden = false;
  setTimeout(() => { t.hidden = true; }, 3000);
}
function every(ms, fn) { fn(); timers.push(setInterval(fn, ms)); }

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error.message : "HTTP " + status);
    this.status = status;
    this.code = body && body.error ? body.error.code : "";
  }
}

async function api(method, path, body) {
  const headers = {};
  if (session.token) headers.Authorization = "Bearer " + session.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401 && path !== "/api/v1/auth/login") {
    signOut(false);
    throw new ApiError(401, { error: { message: "请重新登录" } });
  }
  const type = response.headers.get("content-type") || "";
  const payload = type.includes("json") ? await response.json() : await response.blob();
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload;
}

// Every agent of the board the caller may see: the board answers a page at a time.
async function allAgents() {
  const agents = [];
  let cursor = null;
  do {
    const page = await api("GET", "/api/v1/dispatch/agents?limit=500" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
    agents.push(...page.agents);
    cursor = page.next_cursor;
  } while (cursor);
  return { agents };
}

async function download(path, filename) {
  const blob = await api("GET", path);
  const a = el("a", { href: URL.createObjectURL(blob), download: filename });
  document.body.append(a);
  a.click();
  a.remove();
}

async function loadRegions() {
  if (regions.size) return;
  const walk = (node, parent) => {
    regions.set(node.code, { name: node.name, level: node.level, parent, center: node.center });
    for (const child of node.children || []) walk(child, node.code);
  };
  for (const root of (await api("GET", "/api/v1/regions")).regions) walk(root, null);
}

// The district a region lies in (itself for a district or zone).
function districtOf(code) {
  let c = code;
  while (c && regions.get(c) && regions.get(c).level === "street") c = regions.get(c).parent;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Sign in and out, navigation

function signOut(callServer) {
  if (callServer && session.token) fetch("/api/v1/auth/logout", { method: "POST", headers: { Authorization: "Bearer " + session.token } });
  session.token = null;
  session.me = null;
  sessionStorage.removeItem("daiban.token");
  sessionStorage.removeItem("daiban.me");
  location.hash = "#/login";
  route();
}

function renderLogin(main) {
  const phone = el("input", { id: "login-phone", placeholder: "手机号", autocomplete: "username" });
  const password = el("input", { id: "login-password", type: "password", placeholder: "密码", autocomplete: "current-password" });
  const message = el("p", { class: "error" });
  const form = el("form", { class: "card login", onsubmit: async (event) => {
    event.preventDefault();
    message.textContent = "";
    try {
      const login = await api("POST", "/api/v1/auth/login", { phone: phone.value.trim(), password: password.value });
      session.token = login.token;
      sessionStorage.setItem("daiban.token", login.token);
      const me = await api("GET", "/api/v1/auth/me");
      const user = me.user || me;
      if (user.role !== "supervisor" && user.role !== "admin") {
        session.token = null;
        sessionStorage.removeItem("daiban.token");
        message.textContent = "督办台仅供督办人员和管理员使用";
        return;
      }
      session.me = user;
      sessionStorage.setItem("daiban.me", JSON.stringify(user));
      location.hash = "#/alerts";
    } catch (error) {
      message.textContent = error.status === 401 ? "手机号或密码错误" : error.message;
    }
  } }, el("h1", { text: "登录督办台" }), phone, password, el("button", { type: "submit", id: "login-submit" }, "登录"), message);
  main.append(form);
}

async function route() {
  for (const t of timers) clearInterval(t);
  timers = [];
  const main = document.getElementById("main");
  main.replaceChildren();
  const [, page, arg] = (location.hash || "#/alerts").split("/");
  const signedIn = Boolean(session.token && session.me);
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("logout").hidden = !signedIn;
  document.getElementById("who").textContent = signedIn
    ? session.me.name + "（" + (session.me.role === "admin" ? "管理员" : "督办 " + regionName(session.me.region_code)) + "）"
    : "";
  if (!signedIn) return renderLogin(main);
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.page === page);
  try {
    await loadRegions();
    if (signedIn && session.me.region_code) document.getElementById("who").textContent =
      session.me.name + "（督办 " + regionName(session.me.region_code) + "）";
    const pages = { alerts: renderAlerts, case: renderCase, agents: renderAgents, queue: renderQueue,
      stats: renderStats, followups: renderFollowups, simulations: renderSimulations };
    await (pages[page] || renderAlerts)(main, arg ? decodeURIComponent(arg) : "");
  } catch (error) {
    main.append(el("p", { class: "error" }, "加载失败：" + error.message));
  }
}

// ---------------------------------------------------------------------------------------------
// Overdue and at-risk cases

function caseRows(cases, agentNames, urgency) {
  return cases.map((c) => el("tr", { class: "clickable", "data-tracking": c.tracking_number,
    onclick: () => { location.hash = "#/case/" + encodeURIComponent(c.tracking_number); } },
  el("td", {}, badge(urgency, urgency === "overdue" ? "超期" : "预警")),
  el("td", {}, c.tracking_number), el("td", {}, c.subject), el("td", {}, STATE[c.state] || c.state),
  el("td", {}, regionName(c.region_code)),
  el("td", {}, c.agent_id ? agentNames.get(c.agent_id) || "#" + c.agent_id : el("span", { class: "muted" }, "未派单")),
  el("td", {}, hm(c.deadline))));
}

async function renderAlerts(main) {
  const stamp = el("span", { class: "refreshed" });
  const body = el("tbody", { id: "alert-rows" });
  main.append(el("h1", {}, "超期与预警件", stamp),
    el("p", { class: "muted" }, "红色：已过承诺时限；黄色：剩余工作时间不足。按承诺时限排序，每 10 秒自动刷新。"),
    el("table", {}, el("thead", {}, el("tr", {}, ["", "受理编号", "事项", "状态", "区域", "代办员", "承诺时限"].map((h) => el("th", {}, h)))), body));
  every(REFRESH_MS, async () => {
    try {
      const [overdue, atRisk, agents] = await Promise.all([
        api("GET", "/api/v1/cases?overdue=true&limit=100"),
        api("GET", "/api/v1/cases?at_risk=true&limit=100"),
        allAgents().catch(() => ({ agents: [] })),
      ]);
      const names = new Map(agents.agents.map((a) => [a.id, a.name]));
      const rows = [...caseRows(overdue.cases, names, "overdue"), ...caseRows(atRisk.cases, names, "at_risk")];
      body.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 7, class: "muted" }, "暂无超期或预警件"))]));
      stamp.textContent = "更新于 " + new Date().toLocaleTimeString("zh-CN", { hour12: false });
    } catch (error) {
      stamp.textContent = "刷新失败：" + error.message;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// One case: timeline, chain of custody, materials, photos, delivery, reassignment

function eligible(agent, c) {
  const district = districtOf(c.region_code);
  const covers = agent.regions.some((r) => c.region_code === r || c.region_code.startsWith(r) || district === r);
  return agent.on_duty && covers && agent.departments.includes(c.department_code);
}

async function renderCase(main, tracking) {
  const c = await api("GET", "/api/v1/cases/" + encodeURIComponent(tracking));
  const [agents, deliveries, photos] = await Promise.all([
    allAgents().catch(() => ({ agents: [] })),
    api("GET", "/api/v1/deliveries?case=" + encodeURIComponent(tracking)).catch(() => ({ deliveries: [] })),
    api("GET", "/mobile/v1/cases/" + encodeURIComponent(tracking) + "/attachments").catch(() => ({ attachments: [] })),
  ]);
  const urgency = c.urgency ? badge(c.urgency, c.urgency === "overdue" ? "超期" : c.urgency === "at_risk" ? "预警" : "正常") : null;
  main.append(el("h1", {}, c.subject.name + " ", urgency),
    el("div", { class: "grid" },
      el("div", { class: "card kv", id: "case-facts" },
        el("div", {}, "受理编号"), el("div", {}, c.tracking_number),
        el("div", {}, "状态"), el("div", { id: "case-state" }, STATE[c.state] || c.state),
        el("div", {}, "方式"), el("div", {}, MODE[c.mode] || c.mode),
        el("div", {}, "区域"), el("div", {}, regionName(c.region_code)),
        el("div", {}, "承诺时限"), el("div", {}, hm(c.deadline) + "（" + c.committed_days + " 个工作日）"),
        el("div", {}, "申请人"), el("div", {}, c.applicant.name + " " + c.applicant.phone),
        el("div", {}, "代办员"), el("div", { id: "case-agent" }, c.agent ? c.agent.name + " " + c.agent.work_phone : "未派单"),
        el("div", {}, "送达方式"), el("div", {}, c.delivery_method === "express" ? "寄递到家" : "窗口领取")),
      reassignPanel(c, agents.agents)));

  main.append(el("h2", {}, "办理时间线"), el("ol", { class: "timeline card" },
    c.timeline.map((e) => el("li", {}, el("b", {}, EVENT[e.type] || e.data.kind || e.type), " ",
      el("span", { class: "muted" }, hm(e.at) + " · " + (ROLE[e.actor.role] || e.actor.role) + " " + e.actor.name),
      e.reason ? el("div", {}, e.reason) : null))));

  main.append(el("h2", {}, "交接链（谁在何时把材料或结果交给了谁）"),
    el("table", { id: "custody" }, el("thead", {}, el("tr", {}, ["时间", "交出", "接收", "记录人", "位置", "异常"].map((h) => el("th", {}, h)))),
      el("tbody", {}, c.custody.length ? c.custody.map((k) => el("tr", {}, el("td", {}, hm(k.at)),
        el("td", {}, (ROLE[k.from.role] || k.from.role) + " " + k.from.name),
        el("td", {}, (ROLE[k.to.role] || k.to.role) + " " + k.to.name),
        el("td", {}, (ROLE[k.actor.role] || k.actor.role) + " " + k.actor.name),
        el("td", {}, k.position ? k.position.lat.toFixed(4) + ", " + k.position.lng.toFixed(4) : "—"),
        el("td", {}, k.discrepancy || "—")))
        : [el("tr", {}, el("td", { colspan: 6, class: "muted" }, "尚无交接"))])));

  // What the window still collects at acceptance (a request from a channel that could not send it).
  const toCollect = [c.to_collect.id_number ? "申请人身份证号码" : null,
    ...c.materials.filter((m) => c.to_collect.materials.includes(m.seq)).map((m) => m.name)].filter(Boolean);
  if (toCollect.length) main.append(el("p", { id: "to-collect", class: "card" }, "受理时待窗口收取：" + toCollect.join("、")));
  main.append(el("h2", {}, "申请材料"), el("table", {}, el("thead", {}, el("tr", {}, ["序号", "材料", "必要", "状态"].map((h) => el("th", {}, h)))),
    el("tbody", {}, c.materials.map((m) => el("tr", {}, el("td", {}, m.seq), el("td", {}, m.name), el("td", {}, m.essential ? "是" : "否"),
      el("td", {}, { provided: "已提供", missing: "缺", deferred: "容缺（承诺 " + (m.promised_date || "") + "）", supplied: "已补交" }[m.status] || m.status))))));

  const photoBox = el("div", { class: "card photos" }, photos.attachments && photos.attachments.length ? [] : el("span", { class: "muted" }, "暂无照片"));
  main.append(el("h2", {}, "照片"), photoBox);
  for (const p of photos.attachments || []) {
    api("GET", "/mobile/v1/cases/" + encodeURIComponent(tracking) + "/attachments/" + p.id)
      .then((blob) => photoBox.append(el("img", { src: URL.createObjectURL(blob), alt: p.note || "照片" })))
      .catch(() => {});
  }

  main.append(el("h2", {}, "寄递"), deliveries.deliveries.length
    ? el("table", {}, el("thead", {}, el("tr", {}, ["单号", "状态", "寄递员", "取件", "送达", "时段", "尝试"].map((h) => el("th", {}, h)))),
      el("tbody", {}, deliveries.deliveries.map((d) => el("tr", {}, el("td", {}, d.id + (d.leg === "collection" ? "（取原件）" : "")),
        el("td", {}, DELIVERY[d.state] || d.state), el("td", {}, d.courier ? d.courier.name + " " + d.courier.phone : "—"),
        el("td", {}, d.pickup.name), el("td", {}, d.dropoff.address), el("td", {}, hm(d.window.from) + "–" + d.window.to.slice(11, 16)),
        el("td", {}, d.attempts.map((a) => ({ delivered: "签收", failed: "未成功", identity_mismatch: "核验不符" }[a.outcome] + " " + hm(a.at))).join("；") || "—")))))
    : el("p", { class: "muted" }, "无寄递"));
}

function reassignPanel(c, agents) {
  const open = ["accepted", "assigned", "in_progress", "suspended"].includes(c.state);
  const candidates = agents.filter((a) => eligible(a, c) && a.id !== (c.agent ? c.agent.id : -1));
  const select = el("select", { id: "reassign-agent" }, el("option", { value: "" }, "选择代办员"),
    candidates.map((a) => el("option", { value: a.id, disabled: a.load >= a.capacity },
      a.name + "（在办 " + a.open_cases + "/" + a.capacity + (a.pending_offers ? "，待接 " + a.pending_offers : "") + "）")));
  const reason = el("input", { id: "reassign-reason", placeholder: "改派原因（必填）" });
  const message = el("p", { class: "error", id: "reassign-message" });
  const send = async (agentId) => {
    message.textContent = "";
    if (!reason.value.trim()) { message.textContent = "请填写原因"; return; }
    try {
      const body = { reason: reason.value.trim() };
      if (agentId) body.agent_id = Number(agentId);
      await api("POST", "/api/v1/dispatch/cases/" + encodeURIComponent(c.tracking_number) + "/reassign", body);
      toast(agentId ? "已改派" : "已退回派单队列");
      route();
    } catch (error) {
      message.textContent = error.code === "agent_full" ? "该代办员已满额" : error.message;
    }
  };
  return el("div", { class: "card" }, el("h2", { style: "margin-top:0" }, "改派"),
    open ? [el("div", {}, select), el("div", {}, reason),
      el("div", {}, el("button", { id: "reassign-submit", onclick: () => (select.value ? send(select.value) : (message.textContent = "请选择代办员")) }, "改派"), " ",
        el("button", { class: "secondary", id: "requeue", onclick: () => send(null) }, "退回派单队列")),
      el("p", { class: "muted" }, "仅列出在岗、覆盖该区域和部门的代办员；括号内为在办件数/上限。"), message]
      : el("p", { class: "muted" }, "该件当前状态不可改派"));
}

// ---------------------------------------------------------------------------------------------
// Agents: the board and the map of the city

// The real city: the districts' outlines (GET /api/v1/regions/boundaries, WGS-84) drawn in SVG
// with an equirectangular projection at Jinan's latitude (no tiles, nothing fetched from outside),
// agents, couriers and open cases at their positions. A district's numbers show on hover (its
// title) and on tap (the line under the map).
let boundaries = null;  // the FeatureCollection, read once per page load
async function loadBoundaries() {
  if (!boundaries) boundaries = await api("GET", "/api/v1/regions/boundaries");
  return boundaries;
}

// Even-odd ray casting over every ring of a MultiPolygon ([lng, lat] positions).
function inMultiPolygon(polygons, lng, lat) {
  let inside = false;
  for (const polygon of polygons) {
    for (const ring of polygon) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i], [xj, yj] = ring[j];
        if ((yi > lat) !== (yj > lat) && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
  }
  return inside;
}
function districtAt(features, p) {
  const f = features.find((feature) => inMultiPolygon(feature.geometry.coordinates, p.lng, p.lat));
  return f ? f.properties.code : null;
}

const AGENT_COLOR = { free: "#2f855a", full: "#c53030", off: "#9aa5b1" };
const URGENCY_COLOR = { on_track: "#2f855a", at_risk: "#d69e2e", overdue: "#c53030" };
// A case whose clock does not run is coloured by its state.
const CASE_STATE_COLOR = { submitted: "#3182ce", suspended: "#7b8794", result_ready: "#805ad5", out_for_delivery: "#805ad5" };
const caseColor = (c) => (c.urgency ? URGENCY_COLOR[c.urgency] : CASE_STATE_COLOR[c.state] || "#52606d");
const agentState = (a) => (!a.on_duty ? "off" : a.load >= a.capacity ? "full" : "free");

// `layers`: {agents, couriers, cases} as the staff API lists them; `id` names the svg.
function drawCityMap(fc, layers, id) {
  const features = fc.features;
  const agents = layers.agents.filter((a) => a.position);
  // A courier with no recent plausible fix is drawn at the base they start from, hollow.
  const couriers = layers.couriers.map((c) => ({ ...c, at: c.position || c.base, atBase: !c.position })).filter((c) => c.at);
  const cases = layers.cases.filter((c) => c.location);
  const points = [...agents.map((a) => a.position), ...couriers.map((c) => c.at), ...cases.map((c) => c.location)];
  // Framed on what is shown and the supervisor's own district; the whole city when empty.
  const mine = session.me && session.me.region_code ? districtOf(session.me.region_code) : null;
  const frameFeatures = features.filter((f) => f.properties.code === mine);
  let xs = points.map((p) => p.lng), ys = points.map((p) => p.lat);
  for (const f of frameFeatures.length || points.length ? frameFeatures : features) {
    for (const polygon of f.geometry.coordinates) for (const [x, y] of polygon[0]) { xs.push(x); ys.push(y); }
  }
  if (!xs.length) { xs = [116.2, 118.0]; ys = [36.0, 37.55]; }
  const k = Math.cos((36.7 * Math.PI) / 180);  // a degree of longitude is shorter than one of latitude
  const pad = 0.01;
  const minX = Math.min(...xs) - pad, maxX = Math.max(...xs) + pad, minY = Math.min(...ys) - pad, maxY = Math.max(...ys) + pad;
  const W = 640, TOP = 26;
  const scale = W / Math.max((maxX - minX) * k, 1e-6);
  const H = Math.min(Math.max(TOP + (maxY - minY) * scale, 220), 720);
  const scaleY = Math.min(scale, (H - TOP) / Math.max(maxY - minY, 1e-6));
  const s = Math.min(scale, scaleY);
  const px = (lng) => ((lng - minX) * k * s).toFixed(1);
  const py = (lat) => (TOP + (maxY - lat) * s).toFixed(1);
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H.toFixed(0)}`, id, class: "city-map", role: "img", "aria-label": "济南市区县边界与代办员、寄递员、办件位置" });

  // Counts per district, for the hover titles and the tapped line.
  const stats = new Map(features.map((f) => [f.properties.code, { agents: 0, onDuty: 0, couriers: 0, cases: 0, overdue: 0, atRisk: 0 }]));
  const count = (p, fn) => { const d = districtAt(features, p); if (d) fn(stats.get(d)); };
  agents.forEach((a) => count(a.position, (t) => { t.agents++; if (a.on_duty) t.onDuty++; }));
  couriers.forEach((c) => count(c.at, (t) => { t.couriers++; }));
  cases.forEach((c) => count(c.location, (t) => { t.cases++; if (c.urgency === "overdue") t.overdue++; if (c.urgency === "at_risk") t.atRisk++; }));
  const info = el("p", { class: "map-info muted", id: id + "-info" }, "点按区县查看数字");
  const describe = (f) => { const t = stats.get(f.properties.code);
    return `${f.properties.name}：代办员 ${t.agents}（在岗 ${t.onDuty}），寄递员 ${t.couriers}，办件 ${t.cases}（超期 ${t.overdue}，预警 ${t.atRisk}）`; };

  const outlines = svgEl("g", { class: "districts" });
  for (const f of features) {
    const d = f.geometry.coordinates.map((polygon) => polygon.map((ring) =>
      "M" + ring.map(([x, y]) => px(x) + "," + py(y)).join("L") + "Z").join("")).join("");
    const own = f.properties.code === mine;
    const path = svgEl("path", { d, "fill-rule": "evenodd", fill: own ? "#fff5f5" : "#ffffff", stroke: own ? "#b71c1c" : "#9aa5b1",
      "stroke-width": own ? 1.6 : 0.8, "data-district": f.properties.code, tabindex: 0 });
    path.append(svgEl("title", {}, describe(f)));
    const show = () => { info.textContent = describe(f); info.classList.remove("muted"); };
    path.addEventListener("click", show);
    path.addEventListener("focus", show);
    outlines.append(path);
  }
  svg.append(outlines);
  const labels = svgEl("g", { class: "district-labels", "pointer-events": "none" });
  for (const f of features) {
    // At the middle of the largest outer ring's extent: enough for a label.
    const ring = f.geometry.coordinates.map((p) => p[0]).sort((a, b) => b.length - a.length)[0];
    const lx = ring.map((q) => q[0]), ly = ring.map((q) => q[1]);
    labels.append(svgEl("text", { x: px((Math.min(...lx) + Math.max(...lx)) / 2), y: py((Math.min(...ly) + Math.max(...ly)) / 2), "text-anchor": "middle", class: "district-name" }, f.properties.name));
  }
  svg.append(labels);

  const marks = svgEl("g", { class: "marks" });
  for (const c of cases) {
    const x = Number(px(c.location.lng)), y = Number(py(c.location.lat));
    const mark = svgEl("path", { d: `M${x},${y - 6}L${x + 5},${y}L${x},${y + 6}L${x - 5},${y}Z`, fill: caseColor(c), stroke: "#fff", "stroke-width": 0.8, "data-case": c.tracking_number, "data-urgency": c.urgency || c.state });
    mark.append(svgEl("title", {}, `${c.tracking_number} ${c.subject} · ${STATE[c.state] || c.state}${c.urgency ? " · " + { on_track: "正常", at_risk: "预警", overdue: "超期" }[c.urgency] : ""}`));
    mark.addEventListener("click", () => { location.hash = "#/case/" + encodeURIComponent(c.tracking_number); });
    marks.append(mark);
  }
  for (const c of couriers) {
    const color = c.on_duty ? "#2b6cb0" : "#9aa5b1";
    const mark = svgEl("rect", { x: Number(px(c.at.lng)) - 4, y: Number(py(c.at.lat)) - 4, width: 8, height: 8, rx: 1.5,
      fill: c.atBase ? "#ffffff" : color, stroke: c.atBase ? color : "#fff", "stroke-width": c.atBase ? 1.6 : 0.8,
      "data-courier": c.id, "data-at": c.atBase ? "base" : "position" });
    mark.append(svgEl("title", {}, `寄递员 ${c.name} ${c.company || ""} 在送 ${c.load}/${c.capacity}${c.atBase ? "（驻点，暂无实时位置）" : ""}`));
    marks.append(mark);
  }
  for (const a of agents) {
    const mark = svgEl("circle", { cx: px(a.position.lng), cy: py(a.position.lat), r: 4.5, fill: AGENT_COLOR[agentState(a)], stroke: "#fff", "stroke-width": 0.8, "data-agent": a.id });
    mark.append(svgEl("title", {}, `代办员 ${a.name} 在办 ${a.open_cases}/${a.capacity}`));
    marks.append(mark);
  }
  svg.append(marks);

  const legend = [["circle", AGENT_COLOR.free, "代办员 可接单"], ["circle", AGENT_COLOR.full, "满额"], ["circle", AGENT_COLOR.off, "不在岗"],
    ["rect", "#2b6cb0", "寄递员"], ["base", "#2b6cb0", "驻点"], ["diamond", URGENCY_COLOR.on_track, "办件 正常"], ["diamond", URGENCY_COLOR.at_risk, "预警"],
    ["diamond", URGENCY_COLOR.overdue, "超期"], ["diamond", CASE_STATE_COLOR.submitted, "待受理"], ["diamond", CASE_STATE_COLOR.result_ready, "待送达"]];
  const key = svgEl("g", { class: "legend" });
  key.append(svgEl("rect", { x: 0, y: 0, width: W, height: TOP - 4, fill: "#f8fafc" }));
  let x = 8;
  legend.forEach(([shape, color, label]) => {
    const y = 11;
    key.append(shape === "circle" ? svgEl("circle", { cx: x + 4, cy: y, r: 4, fill: color })
      : shape === "rect" ? svgEl("rect", { x, y: y - 4, width: 8, height: 8, fill: color })
      : shape === "base" ? svgEl("rect", { x, y: y - 4, width: 8, height: 8, fill: "#ffffff", stroke: color, "stroke-width": 1.6 })
      : svgEl("path", { d: `M${x + 4},${y - 5}L${x + 8},${y}L${x + 4},${y + 5}L${x},${y}Z`, fill: color }),
    svgEl("text", { x: x + 12, y: y + 4 }, label));
    x += 18 + label.length * 11;  // the labels are CJK: one character about 11 px wide
  });
  svg.append(key);
  return [svg, info];
}

const OPEN_STATES = "submitted,accepted,assigned,in_progress,suspended,result_ready,out_for_delivery";

// Draws the map into `box` from fresh lists; a failed list leaves its layer empty.
async function refreshCityMap(box, agents, casesQuery, id) {
  const [fc, couriers, cases] = await Promise.all([
    loadBoundaries(),
    api("GET", "/api/v1/couriers").catch(() => ({ couriers: [] })),
    api("GET", "/api/v1/cases?" + casesQuery + "&limit=100").catch(() => ({ cases: [] })),
  ]);
  box.replaceChildren(...drawCityMap(fc, { agents, couriers: couriers.couriers, cases: cases.cases }, id));
}

async function renderAgents(main) {
  const stamp = el("span", { class: "refreshed" });
  const body = el("tbody", { id: "agent-rows" });
  const mapBox = el("div", { class: "card" });
  main.append(el("h1", {}, "代办员看板", stamp),
    el("div", { class: "grid" },
      el("div", {}, el("table", { id: "agent-board" }, el("thead", {}, el("tr", {}, ["代办员", "在岗", "在办/上限", "待接", "区域", "最后位置时间"].map((h) => el("th", {}, h)))), body)),
      mapBox));
  every(REFRESH_MS, async () => {
    const { agents } = await allAgents();
    body.replaceChildren(...agents.map((a) => el("tr", { "data-agent-id": a.id },
      el("td", {}, a.name + " ", el("span", { class: "muted" }, a.phone)),
      el("td", {}, a.on_duty ? badge("green", "在岗") : badge("grey", "休息")),
      el("td", { class: "num open-cases" }, a.open_cases + "/" + a.capacity),
      el("td", { class: "num" }, a.pending_offers),
      el("td", {}, a.regions.map(regionName).join("、")),
      el("td", {}, hm(a.last_seen)))));
    await refreshCityMap(mapBox, agents, "state=" + OPEN_STATES, "agent-map")
      .catch(() => mapBox.replaceChildren(el("p", { class: "muted" }, "地图暂不可用")));
    stamp.textContent = "更新于 " + new Date().toLocaleTimeString("zh-CN", { hour12: false });
  });
}

// ---------------------------------------------------------------------------------------------
// The dispatch queue and the alerts

async function renderQueue(main) {
  const stamp = el("span", { class: "refreshed" });
  const queueBody = el("tbody", { id: "queue-rows" });
  const alertBody = el("tbody", { id: "dispatch-alerts" });
  // The districts in the supervisor's scope (all of them for an administrator).
  const mine = session.me.region_code;
  const districts = [...regions.entries()].filter(([code, r]) => r.level === "district" &&
    (!mine || code === mine || districtOf(mine) === code || (regions.get(code).parent === mine)));
  const region = el("select", { id: "queue-region" }, el("option", { value: "" }, "全部区域"),
    districts.map(([code, r]) => el("option", { value: code }, r.name)));
  const mapBox = el("div", { class: "card" });
  main.append(el("h1", {}, "派单队列与告警", stamp),
    el("h2", {}, "等待派单 ", region),
    el("div", { class: "grid" }, el("div", {}, el("table", {}, el("thead", {}, el("tr", {}, ["受理编号", "事项", "区域", "受理时间", "承诺时限", "已发出邀约"].map((h) => el("th", {}, h)))), queueBody)), mapBox),
    el("h2", {}, "告警"), el("table", {}, el("thead", {}, el("tr", {}, ["时间", "类型", "受理编号", "区域", "说明"].map((h) => el("th", {}, h)))), alertBody));
  const open = (t) => () => { location.hash = "#/case/" + encodeURIComponent(t); };
  const refresh = async () => {
    const query = region.value ? "?region=" + encodeURIComponent(region.value) : "";
    const [queue, alerts, agents] = await Promise.all([api("GET", "/api/v1/dispatch/queue" + query), api("GET", "/api/v1/dispatch/alerts"),
      allAgents().catch(() => ({ agents: [] }))]);
    // The map shows the cases waiting for an agent (accepted), and who could take them.
    refreshCityMap(mapBox, agents.agents, "state=accepted" + (region.value ? "&region=" + encodeURIComponent(region.value) : ""), "queue-map").catch(() => {});
    const inRegion = (code) => !region.value || code === region.value || districtOf(code) === region.value;
    queueBody.replaceChildren(...(queue.queue.length ? queue.queue.map((q) => el("tr", { class: "clickable", onclick: open(q.tracking_number) },
      el("td", {}, q.tracking_number), el("td", {}, q.subject), el("td", {}, regionName(q.region_code)),
      el("td", {}, hm(q.accepted_at)), el("td", {}, hm(q.deadline)), el("td", { class: "num" }, q.offers_made)))
      : [el("tr", {}, el("td", { colspan: 6, class: "muted" }, "队列为空"))]));
    alertBody.replaceChildren(...alerts.alerts.filter((a) => inRegion(a.region_code)).slice(0, 100).map((a) => el("tr", { class: "clickable", onclick: open(a.tracking_number) },
      el("td", {}, hm(a.at)), el("td", {}, badge(a.kind === "red" ? "red" : a.kind === "yellow" ? "yellow" : "grey", ALERT[a.kind] || a.kind)),
      el("td", {}, a.tracking_number), el("td", {}, regionName(a.region_code)), el("td", {}, a.message))));
    stamp.textContent = "更新于 " + new Date().toLocaleTimeString("zh-CN", { hour12: false });
  };
  region.addEventListener("change", refresh);
  every(REFRESH_MS, refresh);
}

// ---------------------------------------------------------------------------------------------
// Statistics (考核)

function barChart(rows, series, id) {
  const W = 420, rowH = 22, left = 110, H = rows.length * rowH * series.length + 20;
  const max = Math.max(1, ...rows.flatMap((r) => series.map((s) => s.value(r) || 0)));
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, id, role: "img" });
  rows.forEach((r, i) => {
    const y0 = 10 + i * rowH * series.length;
    svg.append(svgEl("text", { x: left - 6, y: y0 + rowH * series.length / 2 + 4, "text-anchor": "end" }, r.name));
    series.forEach((s, j) => {
      const v = s.value(r) || 0;
      const w = (W - left - 60) * v / max;
      svg.append(svgEl("rect", { x: left, y: y0 + j * rowH + 3, width: Math.max(w, 1), height: rowH - 6, fill: s.color }),
        svgEl("text", { x: left + w + 4, y: y0 + j * rowH + rowH / 2 + 4 }, s.format ? s.format(v) : String(v)));
    });
  });
  return svg;
}

async function renderStats(main) {
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() + 8 * 3600e3 - 29 * 86400e3).toISOString().slice(0, 10);
  const from = el("input", { type: "date", id: "stats-from", value: monthAgo });
  const to = el("input", { type: "date", id: "stats-to", value: today });
  const group = el("select", { id: "stats-group" }, el("option", { value: "departments" }, "按部门"),
    el("option", { value: "regions" }, "按区域"), el("option", { value: "agents" }, "按代办员"));
  const out = el("div", { id: "stats-out" });
  const query = () => "/api/v1/stats/" + group.value + "?from=" + from.value + "&to=" + to.value;
  const load = async () => {
    out.replaceChildren(el("p", { class: "muted" }, "统计中…"));
    try {
      const s = await api("GET", query());
      const head = ["名称", "收件", "受理", "办结", "按时办结率", "平均工作日", "P90工作日", "超期", "改派", "平均评分", "评价数", "回访未结", "回访已结"];
      const line = (r, name) => el("tr", {}, el("td", {}, name), ...[r.received, r.accepted, r.finished].map((v) => el("td", { class: "num" }, num(v))),
        el("td", { class: "num" }, pct(r.on_time_rate)), el("td", { class: "num" }, num(r.mean_working_days)), el("td", { class: "num" }, num(r.p90_working_days)),
        ...[r.overdue, r.reassigned, r.rating_average, r.ratings, r.followups_open, r.followups_closed].map((v) => el("td", { class: "num" }, num(v))));
      out.replaceChildren(
        el("table", { id: "stats-table" }, el("thead", {}, el("tr", {}, head.map((h) => el("th", { class: h === "名称" ? "" : "num" }, h)))),
          el("tbody", {}, s.rows.map((r) => line(r, r.name || r.key)), line(s.totals, "合计"))),
        el("div", { class: "grid", style: "margin-top:16px" },
          el("div", { class: "card" }, el("h2", { style: "margin-top:0" }, "收件与办结"),
            barChart(s.rows, [{ value: (r) => r.received, color: "#9fb3c8" }, { value: (r) => r.finished, color: "#b71c1c" }], "chart-volume")),
          el("div", { class: "card" }, el("h2", { style: "margin-top:0" }, "按时办结率"),
            barChart(s.rows, [{ value: (r) => r.on_time_rate || 0, color: "#2f855a", format: pct }], "chart-on-time")),
          el("div", { class: "card" }, el("h2", { style: "margin-top:0" }, "按事项类别与代办方式"),
            barChart([...Object.entries(s.by_class).map(([k, v]) => ({ name: CLASS[k] || k, v })),
              ...Object.entries(s.by_mode).map(([k, v]) => ({ name: MODE[k] || k, v }))], [{ value: (r) => r.v, color: "#d69e2e" }], "chart-kinds"))));
    } catch (error) {
      out.replaceChildren(el("p", { class: "error" }, error.message));
    }
  };
  const exportAs = (format) => download(query() + "&format=" + format, "考核统计-" + group.value + "-" + from.value + "-" + to.value + "." + format)
    .catch((error) => toast("导出失败：" + error.message));
  main.append(el("h1", {}, "考核统计"),
    el("div", { class: "card" }, el("label", {}, "起 ", from), el("label", {}, "止 ", to), el("label", {}, group), " ",
      el("button", { id: "stats-run", onclick: load }, "统计"), " ",
      el("button", { class: "secondary", id: "export-csv", onclick: () => exportAs("csv") }, "导出 CSV"), " ",
      el("button", { class: "secondary", id: "export-xlsx", onclick: () => exportAs("xlsx") }, "导出 Excel")),
    el("p", { class: "muted" }, "口径：在所选期间内提交的件；办结指取得办理结果；工作日按法定节假日与调休计算。"), out);
  await load();
}

// ---------------------------------------------------------------------------------------------
// Bad-rating follow-ups (回访)

async function renderFollowups(main) {
  const which = el("select", { id: "followup-state" }, el("option", { value: "open" }, "未结"),
    el("option", { value: "closed" }, "已结"), el("option", { value: "all" }, "全部"));
  const body = el("tbody", { id: "followup-rows" });
  const load = async () => {
    const { followups } = await api("GET", "/api/v1/followups?state=" + which.value);
    body.replaceChildren(...(followups.length ? followups.map((f) => {
      const note = el("textarea", { placeholder: "回访记录" });
      const outcome = el("input", { placeholder: "处理结果" });
      const act = async (path, payload) => {
        try { await api("POST", "/api/v1/followups/" + f.id + path, payload); toast("已保存"); load(); } catch (error) { toast(error.message); }
      };
      return el("tr", { "data-followup": f.id },
        el("td", {}, f.overdue ? badge("red", "超15个工作日") : f.state === "open" ? badge("yellow", "未结") : badge("green", "已结")),
        el("td", {}, el("a", { href: "#/case/" + encodeURIComponent(f.tracking_number) }, f.tracking_number), el("div", { class: "muted" }, f.subject)),
        el("td", { class: "num" }, f.score + " 分"), el("td", {}, f.comment || "—"),
        el("td", {}, hm(f.due_at)),
        el("td", {}, el("pre", { style: "white-space:pre-wrap;margin:0" }, f.call_notes || ""), f.outcome ? el("div", {}, "结果：" + f.outcome) : null,
          f.state === "open" ? [note, el("button", { class: "secondary", onclick: () => act("/calls", { note: note.value }) }, "记录回访"), " ",
            outcome, el("button", { onclick: () => act("/close", { outcome: outcome.value, note: note.value || undefined }) }, "办结")] : null));
    }) : [el("tr", {}, el("td", { colspan: 6, class: "muted" }, "暂无回访"))]));
  };
  which.addEventListener("change", load);
  main.append(el("h1", {}, "差评回访"), el("div", { class: "card" }, el("label", {}, "状态 ", which)),
    el("table", {}, el("thead", {}, el("tr", {}, ["", "受理编号", "评分", "评价", "回访期限", "回访"].map((h) => el("th", {}, h)))), body));
  every(REFRESH_MS * 3, () => load().catch(() => {}));
}

// ---------------------------------------------------------------------------------------------
// Published simulation reports (模拟推演): the list, and one report with its page

const CHANGE = { agents: "代办员", couriers: "寄递员", agents_factor: "代办员倍数", arrivals: "来件倍数" };
function changesText(changes) {
  const parts = Object.entries(changes || {}).map(([k, v]) => (CHANGE[k] || k) + " " +
    (v !== null && typeof v === "object" ? Object.entries(v).map(([d, n]) => regionName(d) + (n > 0 ? "+" : "") + n).join("、") : "×" + v));
  return parts.length ? parts.join("；") : "按场景";
}
const pct100 = (v) => (v === null || v === undefined ? "—" : Number(v).toFixed(1) + "%");

async function renderSimulations(main, id) {
  if (id) return renderSimulation(main, id);
  const body = el("tbody", { id: "simulation-rows" });
  const more = el("button", { class: "secondary", id: "simulations-more", hidden: true }, "更多");
  let cursor = null;
  const load = async (append) => {
    const page = await api("GET", "/api/v1/simulations/reports?limit=20" + (append && cursor ? "&cursor=" + cursor : ""));
    const rows = page.reports.map((r) => el("tr", { class: "clickable", "data-report": r.id,
      onclick: () => { location.hash = "#/simulations/" + r.id; } },
      el("td", {}, el("a", { href: "#/simulations/" + r.id }, r.title)), el("td", {}, r.scenario),
      el("td", {}, changesText(r.changes)), el("td", { class: "num" }, num(r.cases)),
      el("td", { class: "num" }, pct100(r.on_time_rate)), el("td", { class: "num" }, Math.round(r.offer_p99_ms) + " ms"),
      el("td", {}, hm(r.published_at) + " " + r.published_by.name)));
    if (append) body.append(...rows);
    else body.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 7, class: "muted" }, "暂无已发布的模拟报告"))]));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  };
  more.addEventListener("click", () => load(true).catch((error) => toast(error.message)));
  main.append(el("h1", {}, "模拟推演报告"),
    el("p", { class: "muted" }, "管理员用 daibanctl simulate --publish 发布的模拟日：真实服务按模拟时钟跑完一天的件。"),
    el("table", { id: "simulation-table" }, el("thead", {}, el("tr", {}, ["标题", "场景", "假设变化", "件数", "按时率", "派单 p99", "发布"]
      .map((h, i) => el("th", { class: i >= 3 && i <= 5 ? "num" : "" }, h)))), body), more);
  await load(false);
}

async function renderSimulation(main, id) {
  const r = await api("GET", "/api/v1/simulations/reports/" + encodeURIComponent(id));
  const s = r.summary || {};
  const city = s.city || {};
  const problems = s.problems || {};
  const run = s.run || {};
  // The page is HTML an administrator uploaded: it is fetched with this tab's token and shown
  // in a sandboxed frame (no script, its own opaque origin), never opened as a page of ours.
  const frame = el("iframe", { id: "simulation-frame", sandbox: "", title: r.title, referrerpolicy: "no-referrer",
    style: "width:100%;height:900px;border:1px solid #e4e7eb;border-radius:6px;background:#fff" });
  main.append(el("p", {}, el("a", { href: "#/simulations" }, "← 全部模拟报告")),
    el("h1", { id: "simulation-title" }, r.title),
    el("div", { class: "card kv", id: "simulation-summary" },
      el("div", {}, "场景"), el("div", {}, r.scenario + "（" + (s.day || "") + "，种子 " + r.seed + "）"),
      el("div", {}, "假设变化"), el("div", {}, changesText(r.changes)),
      el("div", {}, "件数"), el("div", {}, num(r.cases) + " 件，代办员 " + num(city.agents) + "，寄递员 " + num(city.couriers)),
      el("div", {}, "按时率"), el("div", { id: "simulation-on-time" }, pct100(r.on_time_rate)),
      el("div", {}, "派单时延"), el("div", {}, "p50 " + num(city.offer_latency_ms && city.offer_latency_ms.p50) + " ms，p99 " + Math.round(r.offer_p99_ms) + " ms"),
      el("div", {}, "丢失/重复"), el("div", {}, num(problems.lost) + " / " + num(problems.duplicated) + "，未办结 " + num(problems.unclosed)),
      el("div", {}, "运行"), el("div", {}, num(run.wall_s) + " 秒（负载 " + num(run.load_average) + "）"),
      el("div", {}, "发布"), el("div", {}, hm(r.published_at) + " " + r.published_by.name),
      el("div", {}, "摘要"), el("div", { class: "muted" }, s.line || "")),
    frame);
  frame.srcdoc = await (await api("GET", r.html_url)).text();
}

document.getElementById("logout").addEventListener("click", () => signOut(true));
window.addEventListener("hashchange", route);
route();
