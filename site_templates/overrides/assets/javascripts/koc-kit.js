// Kits and copy buttons, on every page.
//
// A kit is a list of work ids kept in its URL (kit/?works=a,b,c&date=…&title=…), so it
// is a link to share or bookmark. While a reader browses, the kit being gathered is
// also kept in localStorage, so "加入资料包" on any page adds to the same kit; the
// kit page shows the works in the reader's order from small files made at build time
// (kit/works/<id>.json, kit/qr/<id>.svg). No inline script: the site runs under a CSP.
const STORE = "koc-kit";
const ID = /^[a-z0-9][a-z0-9-]*$/;
const config = JSON.parse(document.getElementById("__config")?.textContent || "{}");
const siteBase = new URL(config.base || ".", location.href);
const kitUrl = new URL("kit/", siteBase);

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const parseIds = (text) => [...new Set(String(text || "").split(",").map((s) => s.trim()).filter((s) => ID.test(s)))];

function stored() {
  try { return parseIds(localStorage.getItem(STORE)); } catch { return []; }
}
function store(ids) {
  try { localStorage.setItem(STORE, ids.join(",")); } catch { /* private mode: the URL still holds the kit */ }
  document.dispatchEvent(new CustomEvent("koc-kit-change", { detail: ids }));
}
function linkFor(ids, extra = {}) {
  const params = new URLSearchParams({ works: ids.join(","), ...extra });
  return `${kitUrl.href}?${params}`.replace(/%2C/g, ",");
}

// --- Copying, with a visible confirmation on the button and a spoken one.
const live = document.createElement("p");
live.className = "koc-sr-only";
live.setAttribute("role", "status");
live.setAttribute("aria-live", "polite");

async function copy(button, text) {
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  let ok = true;
  try { await navigator.clipboard.writeText(text); } catch { ok = false; }
  const said = ok ? `✓ ${button.dataset.done || "已复制"}` : button.dataset.failed || "复制失败";
  button.textContent = said;
  button.classList.toggle("koc-copied", ok);
  live.textContent = said;
  clearTimeout(button._kocTimer);
  button._kocTimer = setTimeout(() => { button.textContent = label; button.classList.remove("koc-copied"); }, 2500);
}

// --- Add buttons (every listing, work pages, finder cards) and the kit badge.
function syncButtons(root = document) {
  const ids = new Set(stored());
  for (const b of root.querySelectorAll("[data-koc-kit-add]")) {
    const inKit = ids.has(b.dataset.kocKitAdd);
    b.hidden = false;
    b.setAttribute("aria-pressed", String(inKit));
    const compact = b.hasAttribute("data-compact");
    b.textContent = inKit ? (compact ? "✓" : `✓ ${b.dataset.done}`) : (compact ? "＋" : `＋ ${b.dataset.label}`);
    if (compact) b.title = inKit ? b.dataset.done : b.dataset.label;
  }
  for (const b of root.querySelectorAll("[data-koc-copy], [data-koc-copy-link]")) b.hidden = false;
  for (const span of root.querySelectorAll("[data-koc-page-url]")) span.textContent = location.href;
  // On paper a listed work's link is its short address (host and path), printed after its title.
  for (const a of root.querySelectorAll(".koc-card-title a, .koc-table td:first-child > a")) a.dataset.printHref = a.host + a.pathname;
  badge(ids.size);
}

let badgeLink;
function badge(n) {
  if (document.getElementById("koc-kit")) return; // the kit page is the kit
  const label = document.querySelector("[data-koc-kit-add]")?.dataset.open;
  if (!label) return; // a page that lists no work
  if (!badgeLink) {
    badgeLink = document.createElement("a");
    badgeLink.className = "koc-kit-badge";
    (document.querySelector("main") || document.body).append(badgeLink); // inside a landmark
  }
  badgeLink.hidden = n === 0;
  badgeLink.href = linkFor(stored());
  badgeLink.textContent = `${label}（${n}）`;
}

document.addEventListener("click", (e) => {
  const add = e.target.closest("[data-koc-kit-add]");
  if (add) {
    const ids = stored();
    const id = add.dataset.kocKitAdd;
    store(ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]);
    syncButtons();
    live.textContent = add.getAttribute("aria-pressed") === "true" ? add.dataset.done : add.dataset.removed;
    return;
  }
  const copyText = e.target.closest("[data-koc-copy]");
  if (copyText) return void copy(copyText, copyText.dataset.kocCopy);
  const copyLink = e.target.closest("[data-koc-copy-link]");
  if (copyLink) return void copy(copyLink, location.href);
});

function watch() {
  (document.querySelector("main") || document.body).append(live);
  syncButtons();
  // The finder adds cards as results arrive.
  new MutationObserver((records) => {
    if (records.some((r) => [...r.addedNodes].some((n) => n.nodeType === 1 && (n.matches("[data-koc-kit-add]") || n.querySelector("[data-koc-kit-add]"))))) syncButtons();
  }).observe(document.body, { childList: true, subtree: true });
  window.addEventListener("storage", (e) => { if (e.key === STORE) syncButtons(); });
  const kit = document.getElementById("koc-kit");
  if (kit) kitPage(kit);
}

// --- The kit page.
function kitPage(root) {
  const ui = JSON.parse(document.getElementById("koc-kit-ui").textContent);
  const worksBase = new URL(root.dataset.works, location.href);
  const base = new URL(root.dataset.base, location.href);
  const tools = root.querySelector(".koc-kit__tools");
  const dateInput = tools.querySelector("[name=meeting]");
  const status = root.querySelector(".koc-kit__status");
  const meetingLine = root.querySelector(".koc-kit__meeting");
  const unavailable = root.querySelector(".koc-kit__unavailable");
  const list = root.querySelector(".koc-kit__list");
  const heading = document.querySelector(".koc-kit__title");
  const params = new URLSearchParams(location.search);
  const title = (params.get("title") || "").slice(0, 120);
  let ids = params.has("works") ? parseIds(params.get("works")) : stored();
  // A kit opened from a link (a collection's printable kit, a colleague's link) is only looked
  // at: it replaces the kit the reader is gathering only once the reader changes it.
  let adopted = !params.has("works") || ids.join(",") === stored().join(",");
  const works = new Map();
  const fmt = (template, values) => template.replace(/\{(\w+)\}/g, (_, k) => values[k]);

  if (/^\d{4}-\d{2}-\d{2}$/.test(params.get("date") || "")) dateInput.value = params.get("date");
  if (title) {
    heading.textContent = `资料包：${title}`;
    document.title = `资料包：${title} - ${document.title.split(" - ").pop()}`;
  }
  tools.hidden = false;

  function writeState() {
    const extra = {};
    if (dateInput.value) extra.date = dateInput.value;
    if (title) extra.title = title;
    history.replaceState(null, "", linkFor(ids, extra));
    if (adopted) store(ids);
  }

  const load = (id) => fetch(new URL(`${id}.json`, worksBase)).then((r) => (r.ok ? r.json() : null)).catch(() => null);

  function itemHtml(w, index) {
    const href = new URL(w.url, base).href;
    const cover = w.cover ? `<img class="koc-kit__cover" src="${esc(w.cover.startsWith("https://") ? w.cover : new URL(w.cover, base).href)}" alt="">` : "";
    const credits = w.credits.map((c) => `${esc(c.name)}${esc(c.note)}`).join("、");
    const uses = w.uses.map(([label, ok]) => `<li class="${ok ? "koc-yes" : "koc-no"}">${ok ? "✓" : "✗"} ${esc(label)}</li>`).join("");
    const qr = w.qr ? `<img class="koc-kit__qr-code" src="${esc(new URL(w.qr, base).href)}" alt="二维码：${esc(w.absolute)}" width="${132}" height="${132}">` : "";
    const first = index === 0, last = index === ids.length - 1;
    return `<li class="koc-kit__item" data-id="${esc(w.id)}"><div class="koc-kit__main">${cover}<div class="koc-kit__text">` +
      `<p class="koc-kit__meta"><span class="koc-badge">${esc(w.type)}</span> <time datetime="${esc(w.date)}">${esc(w.date)}</time></p>` +
      `<h2 class="koc-kit__name"><a href="${esc(href)}">${esc(w.title)}</a></h2>` +
      (w.summary ? `<p class="koc-kit__summary">${esc(w.summary)}</p>` : "") +
      `<p class="koc-kit__credits">${esc(ui.credits)}：${credits}</p>` +
      `<p class="koc-kit__credit-line">${esc(ui.credit_prefix)}<strong>${esc(w.credit_line)}</strong></p>` +
      `<ul class="koc-kit__uses" aria-label="${esc(ui.rights)}">${uses}</ul>` +
      `<p class="koc-kit__expiry">${esc(w.uses.some(([, ok]) => ok) ? w.expiry_label : ui.view_only)}</p>` +
      `<p class="koc-kit__warn" hidden></p></div>` +
      `<figure class="koc-kit__qr">${qr}<figcaption>${esc(w.absolute || href)}</figcaption></figure></div>` +
      `<p class="koc-kit__item-tools"><button type="button" class="md-button" data-kit-move="-1"${first ? " disabled" : ""} aria-label="${esc(ui.up)}：${esc(w.title)}">↑ ${esc(ui.up)}</button>` +
      `<button type="button" class="md-button" data-kit-move="1"${last ? " disabled" : ""} aria-label="${esc(ui.down)}：${esc(w.title)}">↓ ${esc(ui.down)}</button>` +
      `<button type="button" class="md-button" data-kit-remove aria-label="${esc(ui.remove)}：${esc(w.title)}">✕ ${esc(ui.remove)}</button></p></li>`;
  }

  // Rights that end before the meeting are flagged in red, and counted.
  function flag() {
    const meeting = dateInput.value;
    let late = 0;
    for (const li of list.children) {
      const w = works.get(li.dataset.id);
      const expired = Boolean(meeting && w.expires && w.expires < meeting);
      late += expired;
      li.classList.toggle("koc-kit__item--expired", expired);
      const warn = li.querySelector(".koc-kit__warn");
      warn.hidden = !expired;
      warn.textContent = expired ? fmt(ui.expired_before, { date: w.expires, meeting }) : "";
    }
    meetingLine.hidden = !meeting;
    meetingLine.textContent = meeting ? `${ui.meeting_date}：${meeting}` : "";
    const parts = [ids.length ? fmt(ui.count, { n: ids.length }) : ui.empty];
    if (late) parts.push(fmt(ui.expiring_count, { n: late }));
    status.textContent = parts.join(" · ");
    status.classList.toggle("koc-kit__status--warn", late > 0);
  }

  function render() {
    list.innerHTML = ids.map((id, i) => itemHtml(works.get(id), i)).join("");
    flag();
    root.dataset.count = String(ids.length); // set once the kit is on screen: tests wait for it
  }

  async function start() {
    const loaded = await Promise.all(ids.map(load));
    // Only works this edition publishes have a file: any other id is dropped, and named.
    const missing = ids.filter((id, i) => !loaded[i]);
    loaded.forEach((w) => { if (w) works.set(w.id, w); });
    ids = ids.filter((id) => works.has(id));
    unavailable.hidden = !missing.length;
    unavailable.textContent = missing.length ? fmt(ui.unavailable, { ids: missing.join("、") }) : "";
    writeState();
    render();
  }

  dateInput.addEventListener("change", () => { writeState(); flag(); });
  tools.querySelector("[data-kit-print]").addEventListener("click", () => window.print());
  tools.querySelector("[data-kit-clear]").addEventListener("click", () => { ids = []; adopted = true; writeState(); render(); });
  tools.querySelector("[data-kit-copy-credits]").addEventListener("click", (e) => {
    copy(e.currentTarget, ids.map((id) => works.get(id).credit_line).join("\n"));
  });
  list.addEventListener("click", (e) => {
    const button = e.target.closest("button");
    if (!button) return;
    const id = button.closest(".koc-kit__item").dataset.id;
    const at = ids.indexOf(id);
    if (button.hasAttribute("data-kit-remove")) {
      ids.splice(at, 1);
    } else {
      const to = at + Number(button.dataset.kitMove);
      if (to < 0 || to >= ids.length) return;
      [ids[at], ids[to]] = [ids[to], ids[at]];
    }
    adopted = true;
    writeState();
    render();
    // Keep the keyboard where it was: on the moved work's same button, or the list.
    const again = list.querySelector(`[data-id="${CSS.escape(id)}"] [${button.hasAttribute("data-kit-remove") ? "data-kit-remove" : `data-kit-move="${button.dataset.kitMove}"`}]`);
    (again && !again.disabled ? again : list.querySelector("button") || dateInput).focus();
  });
  start().catch((err) => { status.textContent = `资料包加载失败：${err}`; });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
else watch();
