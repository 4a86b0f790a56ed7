// Case finder: the whole state lives in the URL. With words, the library's analysis over
// Pagefind (koc-find.js) finds and ranks them by relevance unless a sort is chosen; with
// filters only, the finder/data/ files answer (Pagefind would download its whole word index
// for a search without words), each fetched only when the visit needs it (finder_data.py).
// The facets come from finder/data/facets.json; the filters' and cards' markup from the
// page's <template>s, rendered by the listings' own Jinja macros.
// Several values per filter: any of them (OR) within a filter, all filters (AND)
// across; the URL says `?scenario=a,b&type=video&meeting=2026-07-01`. A meeting date
// keeps only works whose rights last until that day.
// Screen readers hear each outcome once, through a status region: the count and
// the filters it applies to ("共 2 件作品：场景 露营自驾，类型 视频").
import { counts as facetCounts, excerpt, findWorks, load, marked, why } from "./koc-find.js";

const root = document.getElementById("koc-finder");
const PAGE = 12;

if (root) {
  const base = new URL(root.dataset.base, location.href);
  const dataDir = new URL("finder/data/", base);
  const form = root.querySelector(".koc-finder__form");
  const input = form.querySelector("[name=q]");
  const sortSelect = form.querySelector("[name=sort]");
  const status = form.querySelector(".koc-finder__status");
  const announce = root.querySelector(".koc-finder__announce");
  const list = root.querySelector(".koc-finder__results ul");
  const more = root.querySelector(".koc-finder__more");
  const meetingInput = form.querySelector("[name=meeting]");
  // The page's markup, rendered from the listings' own macros with @markers@ to fill.
  const facetSlot = document.getElementById("koc-finder-facet");
  const cardSlot = document.getElementById("koc-finder-card").content.firstElementChild;
  const noUsesSlot = document.getElementById("koc-finder-no-uses").content.firstElementChild;
  const VIEW_ONLY = noUsesSlot.querySelector(".koc-use-none").textContent;
  const DATE = /^\d{4}-\d{2}-\d{2}$/;
  const listOf = (params, f) => [...new Set(params.getAll(f).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean))];
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  let results = [], shown = 0, seq = 0, groups = [], vocab = null;
  let sortChosen = false;  // date and score are explicit sorts; otherwise words rank by relevance
  // From finder/data/facets.json: the facets in order, their labels and values, the number of works.
  let FACETS = [], total = 0, cardShard = 1;
  const info = {}, facetGroups = {}, lastCounts = {};

  // Each data file is fetched once per visit, and only when something needs it.
  const files = new Map();
  function file(path) {
    if (!files.has(path)) {
      files.set(path, fetch(new URL(path, dataDir)).then((r) => {
        if (!r.ok) throw new Error(`finder/data/${path}: HTTP ${r.status}`);
        return r.json();
      }));
    }
    return files.get(path);
  }
  // As generator/search/finder_data.py names a value's file.
  const fileName = (v) => /^[a-z0-9][a-z0-9_.-]*$/.test(v) ? v : "~" + [...new TextEncoder().encode(v)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const decodedRows = new WeakMap();
  function rowsOf(gaps) {
    if (!decodedRows.has(gaps)) {
      let row = 0;
      decodedRows.set(gaps, Int32Array.from(gaps, (g) => (row += g)));
    }
    return decodedRows.get(gaps);
  }

  // Fill a clone of a template: each @name@ in its text and attributes takes values[name]
  // (markers without a value stay for a later fill); a link or image address takes it whole.
  function fill(node, values) {
    const swap = (text) => text.replace(/@(\w+)@/g, (marker, k) => (k in values ? String(values[k] ?? "") : marker));
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let n = node; n; n = walker.nextNode()) {
      if (n.nodeType === Node.TEXT_NODE) {
        if (n.data.includes("@")) n.data = swap(n.data);
        continue;
      }
      for (const a of n.attributes) {
        if (!a.value.includes("@")) continue;
        const whole = /^(href|src)$/.test(a.name) && a.value.match(/@(\w+)@/);
        a.value = whole && whole[1] in values ? values[whole[1]] : swap(a.value);
      }
    }
    return node;
  }

  async function setup() {
    const meta = await file("facets.json");
    total = meta.works;
    cardShard = meta.cards;
    FACETS = meta.facets.map((f) => f.key);
    for (const f of meta.facets) {
      info[f.key] = { label: f.label, single: f.single };
      if (f.values) know(f.key, f);
      const group = fill(facetSlot.content.firstElementChild.cloneNode(true), { key: f.key, label: f.label });
      facetSlot.before(group);
      facetGroups[f.key] = group;
      group.addEventListener("toggle", () => { if (group.open) opened(f.key); });
    }
  }

  function know(f, listing) {
    Object.assign(info[f], {
      values: listing.values,
      labels: Object.fromEntries(listing.values.map((v, i) => [v, listing.labels[i]])),
      counts: listing.counts,
      code: new Map(listing.values.map((v, i) => [v, i])),
    });
  }

  // A facet with many values (contributors) lists them in a file of its own.
  async function valuesOf(f) {
    if (!info[f].values) know(f, await file(`${f}/values.json`));
    return info[f];
  }

  async function readUrl() {
    const params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    sortChosen = ["date", "score", "relevance"].includes(params.get("sort"));
    sortSelect.value = sortChosen ? params.get("sort") : (input.value.trim() ? "relevance" : "date");
    meetingInput.value = DATE.test(params.get("meeting") || "") ? params.get("meeting") : "";
    for (const f of FACETS) {
      const wanted = listOf(params, f);
      if (wanted.length) await valuesOf(f);
      fillOptions(f, null, wanted.filter((v) => info[f].code?.has(v)));
    }
  }

  const chosen = (f) => [...facetGroups[f].querySelectorAll("input:checked")].map((i) => i.value);

  function state() {
    const filters = {};
    for (const f of FACETS) {
      const values = chosen(f);
      if (values.length) filters[f] = values;
    }
    return { q: input.value.trim(), sort: sortSelect.value, filters, meeting: meetingInput.value };
  }

  function writeUrl(s) {
    const params = new URLSearchParams();
    if (s.q) params.set("q", s.q);
    for (const [f, v] of Object.entries(s.filters)) params.set(f, v.join(","));
    if (s.meeting) params.set("meeting", s.meeting);
    if (sortChosen) params.set("sort", s.sort);
    const query = params.toString().replace(/%2C/g, ",");
    history.replaceState(null, "", query ? `?${query}` : location.pathname);
  }

  // Options of one facet: every known value as a checkbox, with its count under the
  // other filters (so choosing a second value shows how many it adds); `counts` is
  // value → count, or null while they are not known.
  function fillOptions(facet, counted, selected) {
    const counts = counted && Object.keys(counted).length ? counted : null;
    lastCounts[facet] = counts;
    const group = facetGroups[facet];
    const box = group.querySelector(".koc-finder__options");
    const labels = info[facet].labels || {};
    const values = info[facet].values || selected;
    const focused = box.contains(document.activeElement) ? document.activeElement.value : null;
    box.innerHTML = values
      .filter((v) => !counts || counts[v] || selected.includes(v))
      .map((v) => `<label><input type="checkbox" name="${esc(facet)}" value="${esc(v)}"${selected.includes(v) ? " checked" : ""}> ${esc(labels[v] ?? v)}${counts ? `<span class="koc-finder__count">（${counts[v] || 0}）</span>` : ""}</label>`)
      .join("");
    if (focused !== null) box.querySelector(`input[value="${CSS.escape(focused)}"]`)?.focus();
    group.querySelector(".koc-finder__chosen").textContent = selected.length ? selected.map((v) => labels[v] ?? v).join("、") : "全部";
    group.classList.toggle("koc-finder__multi--active", selected.length > 0);
  }

  // A list opened whose values or counts were left for later: fetch them now.
  async function opened(f) {
    if (info[f].values && lastCounts[f]) return;
    const mine = seq;
    await valuesOf(f);
    const s = state();
    const counts = lastCounts[f] || (s.q ? null : await localCounts(f, s, true));
    if (mine === seq) fillOptions(f, counts, chosen(f));
  }

  async function find(s) {
    if (!s.q) return findLocal(s);
    const sort = s.sort === "relevance" ? null : { [s.sort]: "desc" };
    const filters = await pagefindFilters(s.filters, s.meeting);
    const found = await findWorks(base, s.q, { filters, sort });
    groups = found.groups;
    vocab = found.vocab;
    const counted = found.results.length ? await facetCounts(base, found.groups, filters) : {};
    return { filters: counted, results: found.results.map((r) => ({ data: async () => fromPagefind(await r.data()) })) };
  }

  const fromPagefind = (d) => ({
    ...d.meta, url: d.url, kind: d.filters?.type?.[0] || "",
    excerpt: excerpt(d.meta.text, marked(vocab, groups), 60), why: why(vocab, groups, d.meta.text, d.filters).join("；"),
  });

  // Pagefind's form of the filters: any of the chosen values, and rights lasting until the meeting.
  async function pagefindFilters(chosenValues, meeting) {
    const filters = Object.fromEntries(Object.entries(chosenValues).map(([f, v]) => [f, { any: v }]));
    if (meeting) {
      const ends = await file("expires.json");
      filters.expires = { any: [ends.never, ...ends.dates.filter((d) => d >= meeting)] };
    }
    return filters;
  }

  const NONE = { rows: [], counts: {} };
  // The file of one facet value: its works and the counts of the other facets among them.
  async function valueFile(f, v) {
    const { code, counts } = await valuesOf(f);
    const c = code.get(v);
    return c === undefined || !counts[c] ? NONE : file(`${f}/${fileName(v)}.json`);
  }

  // 1 for each work (row) that passes the filters and the meeting date; null when nothing filters.
  async function passing(filters, meeting) {
    const facets = Object.entries(filters);
    if (!facets.length && !meeting) return null;
    const hits = new Uint8Array(total);
    for (const [f, values] of facets) {
      const any = new Uint8Array(total);
      for (const found of await Promise.all(values.map((v) => valueFile(f, v)))) for (const row of rowsOf(found.rows)) any[row] = 1;
      for (let row = 0; row < total; row++) hits[row] += any[row];
    }
    if (meeting) {
      // Works whose rights end before the meeting fall out.
      const ends = await file("expires.json");
      const ended = new Uint8Array(total);
      ends.dates.forEach((day, i) => { if (day < meeting) for (const row of rowsOf(ends.rows[i])) ended[row] = 1; });
      for (let row = 0; row < total; row++) hits[row] += 1 - ended[row];
    }
    const need = facets.length + (meeting ? 1 : 0);
    for (let row = 0; row < total; row++) hits[row] = hits[row] === need ? 1 : 0;
    return hits;
  }

  // Counts of one facet's values under the other filters. The data at hand gives them without
  // filters (facets.json) and under one value of one facet (that value's file); otherwise they
  // need every value of the facet (`<facet>/all.json`), fetched only once its list is open.
  async function localCounts(f, s, open = facetGroups[f].open) {
    const others = Object.entries(s.filters).filter(([g]) => g !== f);
    const named = (byCode) => {
      const values = info[f].values;
      if (!values) return null;
      const counts = {};
      byCode.forEach((n, c) => { if (n) counts[values[c]] = n; });
      return counts;
    };
    if (!others.length && !s.meeting) return info[f].counts ? named(info[f].counts) : null;
    // One other facet: its value's counts, or the sum over its values when no work holds two of them.
    if (others.length === 1 && !s.meeting && (others[0][1].length === 1 || info[others[0][0]].single)) {
      const byCode = new Map();
      for (const found of await Promise.all(others[0][1].map((v) => valueFile(others[0][0], v)))) {
        const pairs = found.counts[f] || [];
        for (let i = 0; i < pairs.length; i += 2) byCode.set(pairs[i], (byCode.get(pairs[i]) || 0) + pairs[i + 1]);
      }
      return named(byCode);
    }
    if (!open) return null;
    const [every, mask] = await Promise.all([file(`${f}/all.json`), passing(Object.fromEntries(others), s.meeting)]);
    return named(every.map((gaps) => rowsOf(gaps).reduce((n, row) => n + mask[row], 0)));
  }

  // Filters only: match and sort the works in the browser, from the finder's data files.
  async function findLocal(s) {
    const mask = await passing(s.filters, s.meeting);
    const hits = [];
    for (let row = 0; row < total; row++) if (!mask || mask[row]) hits.push(row);
    if (s.sort === "score") {
      const score = await file("score.json");
      hits.sort((a, b) => score.charCodeAt(b) - score.charCodeAt(a) || a - b);
    }
    return { local: true, results: hits.map((row) => ({ data: () => card(row) })) };
  }

  async function card(row) {
    const shard = await file(`cards-${Math.floor(row / cardShard)}.json`);
    const [url, title, type, date, credits, uses, expiring, score, image, expiry, id, kind] = shard[row % cardShard];
    return { url: new URL(url.slice(1), base).pathname, title, type, kind, date, credits, uses, expiring, score, image, expiry, id, excerpt: "" };
  }

  async function run() {
    const mine = ++seq;
    const s = state();
    writeUrl(s);
    status.textContent = "正在查找…";
    const search = await find(s);
    if (mine !== seq) return;
    results = search.results;
    shown = 0;
    list.innerHTML = "";
    status.textContent = results.length ? `共 ${results.length} 件作品` : "没有符合条件的作品，试试放宽筛选条件。";
    if (s.meeting) status.textContent += `（已排除授权在会议日期 ${s.meeting} 前到期的作品）`;
    // Cards and counts at once. Counts for a facet ignore that facet's own choice,
    // so the other options stay reachable (the local path computes them that way).
    const counting = Promise.all(FACETS.map(async (f) => {
      if (!s.q) return localCounts(f, s);
      if (!s.filters[f]) return search.filters?.[f] || {};
      const others = { ...s.filters };
      delete others[f];
      return results.length ? (await facetCounts(base, groups, await pagefindFilters(others, s.meeting)))?.[f] || {} : {};
    }));
    await showMore(mine);
    const counts = await counting;
    if (mine !== seq) return;
    FACETS.forEach((f, i) => fillOptions(f, counts[i], s.filters[f] || []));
    announce.textContent = `${status.textContent.replace(/。$/, "")}${describe(s)}。`;
    // Set once cards and counts are on screen: tests and the benchmark wait for it.
    root.dataset.total = String(results.length);
  }

  // The words and filters in force, in words: "：关键词“帐篷”，场景 露营自驾".
  function describe(s) {
    const parts = s.q ? [`关键词“${s.q}”`] : [];
    for (const [f, values] of Object.entries(s.filters)) {
      parts.push(`${info[f].label} ${values.map((v) => info[f].labels?.[v] ?? v).join("或")}`);
    }
    if (s.meeting) parts.push(`会议日期 ${s.meeting}`);
    return parts.length ? `：${parts.join("，")}` : "";
  }

  async function showMore(mine = seq) {
    const page = await Promise.all(results.slice(shown, shown + PAGE).map((r) => r.data()));
    if (mine !== seq) return null;
    const first = list.children.length;
    shown += page.length;
    list.append(...page.map(cardNode));
    more.hidden = shown >= results.length;
    return list.children[first] || null;
  }

  // A result card: a clone of the listings' card (the page's template), filled with the work.
  function cardNode(m) {
    const score = +m.score || 0;
    const cover = m.image ? (m.image.startsWith("https://") ? m.image : new URL(m.image, base).href) : "";
    const li = fill(cardSlot.cloneNode(true), { ...m, url: m.url, cover, score: String(score), why: m.why || "" });
    const drop = (selector) => li.querySelector(selector)?.remove();
    if (!cover) drop(".koc-cover");
    if (score) li.querySelector(".koc-stars").textContent = "★".repeat(score) + "☆".repeat(5 - score);
    else drop(".koc-stars");
    li.querySelector(".koc-card-credits").textContent = m.credits;
    if (!m.why) drop(".koc-card-why");
    // Words: the excerpt with the query marked (HTML from koc-find.js); filters only: no text.
    if (m.excerpt) li.querySelector(".koc-card-summary").innerHTML = m.excerpt;
    else drop(".koc-card-summary");
    const rights = li.querySelector(".koc-rights");
    if (m.uses && m.uses !== VIEW_ONLY) {
      const use = rights.querySelector(".koc-use");
      for (const u of m.uses.split(" · ")) use.before(fill(use.cloneNode(true), { use: u }));
      use.remove();
    } else {
      rights.replaceWith(fill(noUsesSlot.cloneNode(true), { expiry: m.expiry }));
    }
    const expiry = li.querySelector(".koc-expiry");
    if (expiry && !m.expiry) expiry.remove();
    const warn = li.querySelector(".koc-expiring");
    if (m.expiring && warn) warn.textContent = m.expiring;
    else warn?.remove();
    return li;
  }

  async function start() {
    // Words in the URL: fetch Pagefind's script and index meta while the rest starts.
    if (new URLSearchParams(location.search).get("q")) load(base).catch(() => {});
    await setup();
    form.hidden = false;
    await readUrl();
    let timer;
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 200); });
    input.addEventListener("input", () => { if (!sortChosen) sortSelect.value = input.value.trim() ? "relevance" : "date"; });
    form.addEventListener("change", (e) => { if (e.target === sortSelect) sortChosen = true; if (e.target !== input) run(); });
    form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
    // Keyboard users land on the first card just added, not back at the top.
    more.addEventListener("click", async () => {
      const card = await showMore();
      if (!card) return;
      card.querySelector(".koc-card-title a").focus();
      announce.textContent = `已显示 ${shown} / ${results.length} 件作品。`;
    });
    // A filter's list closes on a click elsewhere, or on Escape (back to its button).
    document.addEventListener("click", (e) => {
      for (const d of form.querySelectorAll("details[open]")) if (!d.contains(e.target)) d.open = false;
    });
    form.addEventListener("keydown", (e) => {
      const open = e.key === "Escape" && e.target.closest("details[open]");
      if (open) { open.open = false; open.querySelector("summary").focus(); }
    });
    await run();
  }

  start().catch((err) => { status.textContent = `案例查找加载失败：${err}`; });
}
