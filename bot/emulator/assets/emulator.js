"use strict";
// The emulator page's only script (CSP script-src 'self': nothing inline in the page).
const $ = (id) => document.getElementById(id);

// The officer's token is never served by the emulator. The start-up text prints the page's
// address with the token in the fragment (…/emulator/#officer=TOKEN), which the browser does
// not send to the server; keep it for this tab only and take it out of the address bar (and
// so out of the history) at once. Without it the announcement panel asks for it.
const officerKey = "oabot-emulator-officer";
(function takeOfficerToken() {
  const t = new URLSearchParams(location.hash.slice(1)).get("officer");
  if (t === null) return;
  if (t) sessionStorage.setItem(officerKey, t);
  history.replaceState(null, "", location.pathname + location.search);
})();
const officerToken = () => sessionStorage.getItem(officerKey) || "";
let cfg = null, account = null, after = 0, timer = null;
// Replies are drawn by poll(), which send(), the timer and the officer panel all call. Two
// polls in flight at once ask with the same `after` and would both draw the same replies,
// so polls run one at a time: asked for while one runs, a poll is queued to run once after
// it. `shown` (the seqs drawn in this chat) is the second guard, and `chat` changes when the
// tester switches account or citizen, so a poll that started before the switch draws nothing.
let polling = null, pollQueued = false, shown = new Set(), chat = 0;
// The API lives below the page's own address, wherever the service mounts it.
const base = location.pathname.replace(/\/+$/, "");
const api = (p) => base + "/api/" + p;
const log = $("log");

function userId() {
  let u = localStorage.getItem("oabot-emulator-user");
  if (!u) { u = "9" + String(Math.floor(Math.random() * 1e15)).padStart(15, "0") + "42"; localStorage.setItem("oabot-emulator-user", u); }
  return u;
}

function add(cls, text) {
  const d = document.createElement("div");
  d.className = "msg " + cls;
  d.textContent = text;
  log.appendChild(d);
  log.scrollTop = log.scrollHeight;
  return d;
}

async function send(kind, extra) {
  const body = Object.assign({ account: account, user: userId(), kind: kind }, extra || {});
  const r = await fetch(api("event"), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const res = await r.json();
  if (res.error) { add("sys", "Lỗi: " + res.error); return; }
  add("sys", (res.redelivery ? "Gửi lại " : "") + res.event_name + " → webhook " + res.status + (res.body ? " " + res.body : ""));
  poll();
}

function sayCitizen(text) { add("me", text); send("text", { text: text }); }

function render(m) {
  const d = add("bot" + (m.refused ? " refused" : ""), m.text || "");
  if (m.image) { const img = document.createElement("img"); img.src = m.image.startsWith("attachment:") ? api("attachments/" + encodeURIComponent(m.image.slice(11))) : m.image; img.alt = "Ảnh do OA gửi (mã QR)"; d.appendChild(img); }
  if (m.file) { const f = document.createElement("div"); f.textContent = "📎 Tệp đính kèm (token " + m.file.slice(0, 12) + "…)"; d.appendChild(f); }
  if (m.form) { const f = document.createElement("div"); f.textContent = "📝 Biểu mẫu xin thông tin người dùng"; d.appendChild(f); }
  if (m.buttons && m.buttons.length) {
    const box = document.createElement("div"); box.className = "btns";
    for (const b of m.buttons) {
      let el;
      if (b.type === "oa.open.url") { el = document.createElement("a"); el.href = b.url; el.target = "_blank"; el.rel = "noopener"; }
      else if (b.type === "oa.open.phone") { el = document.createElement("a"); el.href = "tel:" + b.phone; }
      else if (b.type === "oa.open.sms") { el = document.createElement("a"); el.href = "sms:" + b.phone; }
      else if (b.type === "oa.query.show" || b.type === "oa.query.hide") {
        el = document.createElement("button"); el.type = "button";
        // oa.query.show shows the payload as the citizen's message; oa.query.hide sends it silently.
        el.onclick = () => { if (b.type === "oa.query.show") add("me", b.payload); send("text", { text: b.payload }); };
      } else { el = document.createElement("span"); el.className = "bad"; }
      el.textContent = b.title;
      box.appendChild(el);
    }
    d.appendChild(box);
  }
  if (m.refused) { const w = document.createElement("div"); w.className = "why"; w.textContent = "Zalo sẽ từ chối tin này (lỗi " + m.code + "): " + m.refused; d.appendChild(w); }
  const meta = document.createElement("div"); meta.className = "meta"; meta.textContent = m.at; d.appendChild(meta);
}

// poll draws the replies not drawn yet; the promise settles when no poll is running or queued.
function poll() {
  if (polling) { pollQueued = true; return polling; }
  polling = (async () => {
    try {
      do { pollQueued = false; await pollOnce(); } while (pollQueued);
    } finally { polling = null; }
  })();
  return polling;
}

async function pollOnce() {
  if (!account) return;
  const c = chat;
  let list;
  try {
    const r = await fetch(api("messages?account=") + encodeURIComponent(account) + "&user=" + userId() + "&after=" + after);
    if (!r.ok) return;
    list = await r.json();
  } catch (e) { return; } // the service is restarting or gone: the timer asks again
  if (c !== chat) return; // the chat was reset meanwhile, and the reset polled again
  for (const m of list) {
    if (shown.has(m.seq)) continue;
    shown.add(m.seq);
    render(m);
    after = Math.max(after, m.seq);
  }
}

// resetChat empties the chat for another account or citizen and fetches its replies.
function resetChat(note) {
  chat++; after = 0; shown = new Set(); log.textContent = "";
  add("sys", note);
  poll();
}

function startPolling() { clearInterval(timer); timer = setInterval(poll, 700); }

async function init() {
  cfg = await (await fetch(api("config"))).json();
  if (cfg.title) { $("title").textContent = cfg.title; }
  const sel = $("account");
  for (const a of cfg.accounts) { const o = document.createElement("option"); o.value = a.id; o.textContent = a.name + " (" + a.id + ")"; sel.appendChild(o); }
  account = cfg.accounts[0].id;
  sel.onchange = () => { account = sel.value; resetChat("Đang chat với " + sel.options[sel.selectedIndex].text); };
  add("sys", "Đang chat với " + sel.options[sel.selectedIndex].text + ". Thử: “lam cccd”, “dang ky tam tru can gi”, “menu”.");
  startPolling();
  if (cfg.officer) officerPanel(cfg.officer);
}

// The officer's announcement panel: plan → confirm → progress, through the service's own
// admin API (/admin/v1) with the officer's token (from the address's fragment or typed in;
// asked for again when the admin API refuses it). The announcement reaches the chats of the
// citizens in the audience like any OA message (read back from the fake Zalo API).
function officerPanel(off) {
  const T = {
    from: (name) => "Gửi từ: " + name + ". Người dân nhận tin như tin nhắn tư vấn của OA.",
    count: (n) => n + "/" + off.max_text + " ký tự",
    tooLong: (n) => "Nội dung dài " + n + " ký tự, tối đa " + off.max_text + " ký tự.",
    empty: "Hãy nhập nội dung thông báo.",
    interacted: "Người đã tương tác với OA trong " + off.window_days + " ngày qua",
    rule: "Zalo chỉ cho OA nhắn tư vấn tới người đã tương tác trong " + off.window_days + " ngày qua; những người khác được bỏ qua và ghi vào báo cáo, không gửi lại.",
    people: (n) => n + " người",
    none: "không ai",
    seconds: (s) => s < 1 ? "dưới 1 giây" : "khoảng " + Math.ceil(s) + " giây",
    noneReachable: "Chưa ai nhận được tin: hãy bấm “Quan tâm” hoặc nhắn tin với OA trong khung chat trước, rồi xem trước lại.",
    expires: (t) => "Kế hoạch có hiệu lực tới " + t + ". Chỉ gửi khi bấm “Xác nhận gửi”.",
    counts: (p) => "Đã gửi " + p.sent + " · Lỗi " + p.failed + " · Bỏ qua " + p.skipped + " · Không rõ " + p.unknown + " · Còn lại " + p.remaining,
    status: { scheduled: "Đã lên lịch", running: "Đang gửi…", paused: "Tạm dừng", cancelled: "Đã huỷ", done: "Hoàn tất" },
    statusLine: (s, note) => "Trạng thái: " + s + (note ? " (" + note + ")" : ""),
    reasons: { outside_window: "quá " + off.window_days + " ngày chưa tương tác", no_interaction_known: "chưa từng tương tác", unfollowed: "đã bỏ quan tâm",
      recipient_gone: "tài khoản không còn nhận tin", rejected: "Zalo từ chối", retries_exhausted: "thử lại nhiều lần không được", cancelled: "đã huỷ" },
    apiError: (status, msg) => "Lỗi API quản trị (" + status + "): " + msg,
    network: "Không gọi được API quản trị.",
    noToken: "Hãy nhập mã truy cập của cán bộ.",
    badToken: "Mã truy cập không đúng hoặc đã hết hạn (mỗi lần khởi động có mã mới). Hãy nhập lại mã.",
  };
  const panel = $("officer-panel"), text = $("ann-text"), err = $("ann-error");
  let plan = null, campaign = null, ptimer = null;
  panel.hidden = false;
  $("announce").hidden = false;
  $("ann-interacted").textContent = T.interacted;
  $("ann-rule").textContent = T.rule;

  const accountName = () => { const sel = $("account"); return sel.options[sel.selectedIndex].text; };
  const runes = (s) => [...s.normalize("NFC")].length;
  function counter() {
    const n = runes(text.value), over = n > off.max_text;
    $("ann-count").textContent = T.count(n);
    $("ann-count").classList.toggle("over", over);
    text.setAttribute("aria-invalid", over ? "true" : "false");
  }
  async function adminAPI(method, path, body) {
    let r;
    try {
      r = await fetch(off.admin + path, { method: method, headers: { "Authorization": "Bearer " + officerToken(), "Content-Type": "application/json" },
        body: body ? JSON.stringify(body) : undefined });
    } catch (e) { throw new Error(T.network); }
    if (r.status === 401) { sessionStorage.removeItem(officerKey); clearInterval(ptimer); show("auth"); $("ann-token").focus(); throw new Error(T.badToken); }
    const res = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(T.apiError(r.status, (res.error && res.error.message) || r.statusText));
    return res;
  }
  function show(which) {
    $("ann-auth").hidden = which !== "auth";
    $("ann-form").hidden = which !== "form";
    $("ann-planbox").hidden = which !== "plan";
    $("ann-progressbox").hidden = which !== "progress";
  }
  function reset() {
    clearInterval(ptimer); plan = null; campaign = null; err.textContent = "";
    $("ann-from").textContent = T.from(accountName());
    show(officerToken() ? "form" : "auth");
  }
  function reasons(m) {
    const parts = [];
    for (const [k, n] of Object.entries(m || {})) if (n > 0) parts.push(n + " " + (T.reasons[k] || k));
    return parts.length ? parts.join(", ") : T.none;
  }

  $("ann-auth").onsubmit = (e) => {
    e.preventDefault();
    const t = $("ann-token").value.trim();
    if (!t) { err.textContent = T.noToken; $("ann-token").focus(); return; }
    sessionStorage.setItem(officerKey, t);
    $("ann-token").value = ""; err.textContent = "";
    show("form"); text.focus();
  };
  $("ann-form").onsubmit = async (e) => {
    e.preventDefault(); err.textContent = "";
    const t = text.value.trim(), n = runes(t);
    if (!t) { err.textContent = T.empty; text.focus(); return; }
    if (n > off.max_text) { err.textContent = T.tooLong(n); text.focus(); return; }
    const aud = document.querySelector("input[name=ann-audience]:checked").value;
    const segment = aud === "interacted" ? { kind: "interacted", days: off.window_days } : { kind: "all" };
    $("ann-plan").disabled = true;
    try {
      plan = await adminAPI("POST", "/campaigns/plan", { accounts: [account], segment: segment, text: t });
    } catch (ex) { err.textContent = ex.message; return; } finally { $("ann-plan").disabled = false; }
    $("ann-preview").textContent = t;
    $("ann-recipients").textContent = T.people(plan.recipients);
    $("ann-reachable").textContent = T.people(plan.reachable);
    $("ann-unreachable").textContent = reasons(plan.unreachable);
    const ns = (plan.accounts || []).reduce((a, x) => a + (x.estimated_duration_ns || 0), 0);
    $("ann-estimate").textContent = T.seconds(ns / 1e9);
    $("ann-plan-note").textContent = plan.reachable > 0 ? T.expires(new Date(plan.expires_at).toLocaleTimeString("vi-VN")) : T.noneReachable;
    const rules = $("ann-rules");
    rules.replaceChildren(...(plan.rules || []).map(r => { const li = document.createElement("li"); li.textContent = r; return li; }));
    $("ann-rules-box").hidden = rules.children.length === 0;
    $("ann-confirm").disabled = plan.reachable === 0;
    show("plan");
    $("ann-plan-title").focus();
  };
  $("ann-edit").onclick = () => { show("form"); text.focus(); };
  $("ann-confirm").onclick = async () => {
    err.textContent = ""; $("ann-confirm").disabled = true;
    try {
      campaign = await adminAPI("POST", "/campaigns", { plan_id: plan.id });
    } catch (ex) { err.textContent = ex.message; $("ann-confirm").disabled = false; return; }
    text.value = ""; counter();
    render(campaign.progress);
    show("progress");
    $("ann-progress-title").focus();
    ptimer = setInterval(refresh, 1000);
  };
  function render(p) {
    const finished = p.status === "done" || p.status === "cancelled";
    $("ann-bar").max = Math.max(p.total, 1);
    $("ann-bar").value = p.total - p.remaining;
    $("ann-status").textContent = T.statusLine(T.status[p.status] || p.status, p.note);
    $("ann-counts").textContent = T.counts(p);
    $("ann-counts").dataset.sent = p.sent;
    $("ann-status").dataset.status = p.status;
    $("ann-cancel").hidden = finished;
    if (finished) clearInterval(ptimer);
  }
  async function refresh() {
    if (!campaign) return;
    try { render((await adminAPI("GET", "/campaigns/" + encodeURIComponent(campaign.id))).progress); poll(); }
    catch (ex) { err.textContent = ex.message; clearInterval(ptimer); }
  }
  $("ann-cancel").onclick = async () => {
    err.textContent = "";
    try { render((await adminAPI("POST", "/campaigns/" + encodeURIComponent(campaign.id) + "/cancel")).progress); }
    catch (ex) { err.textContent = ex.message; }
  };
  $("ann-new").onclick = () => { reset(); text.focus(); };
  const toChat = () => { $("text").focus(); document.querySelector(".phone").scrollIntoView({ block: "nearest" }); };
  $("ann-tochat").onclick = toChat; $("ann-tochat2").onclick = toChat;
  $("announce").onclick = () => {
    panel.scrollIntoView({ block: "start" });
    const field = $("ann-auth").hidden ? text : $("ann-token");
    (field.offsetParent ? field : $("ann-title")).focus();
  };
  text.oninput = counter;
  $("account").addEventListener("change", reset);
  counter(); reset();
}

$("compose").onsubmit = (e) => { e.preventDefault(); const t = $("text").value.trim(); if (!t) return; $("text").value = ""; sayCitizen(t); };
for (const b of document.querySelectorAll(".tools [data-kind]")) b.onclick = () => send(b.dataset.kind);
$("loc").onclick = () => { const lat = prompt("Vĩ độ", "10.8671"); if (lat === null) return; const lng = prompt("Kinh độ", "106.6413"); if (lng === null) return; add("me", "📍 Vị trí " + lat + ", " + lng); send("location", { lat: parseFloat(lat), lng: parseFloat(lng) }); };
$("officer").onclick = () => { const t = prompt("Cán bộ nhắn từ trang quản lý OA:", "Chào anh/chị, cán bộ tiếp nhận đây ạ."); if (!t) return; add("officer", "👮 " + t); send("officer", { text: t }); };
$("newuser").onclick = () => { localStorage.removeItem("oabot-emulator-user"); resetChat("Người dân mới: " + userId()); };
$("scan").onclick = () => {
  const ul = $("qrlist"); ul.textContent = "";
  for (const p of (cfg.procedures[account] || [])) {
    const li = document.createElement("li"); const b = document.createElement("button"); b.type = "button";
    const code = p.short_code ? "#" + p.short_code : "#TTHC " + p.code;
    b.textContent = code + " — " + p.name;
    b.onclick = () => {
      $("qrdlg").close();
      const d = add("sys", "Đã quét mã QR: " + p.name);
      if (p.qr) { const img = document.createElement("img"); img.src = p.qr; img.alt = "Mã QR " + p.name; img.className = "qr"; d.appendChild(img); }
      if (p.landing) { const a = document.createElement("a"); a.href = p.landing; a.target = "_blank"; a.rel = "noopener"; a.textContent = " Mở trang thủ tục"; d.appendChild(a); }
      sayCitizen(code);
    };
    li.appendChild(b); ul.appendChild(li);
  }
  $("qrdlg").showModal();
};
$("qrclose").onclick = () => $("qrdlg").close();
init();
