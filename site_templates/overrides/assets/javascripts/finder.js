// Case finder: the whole state lives in the URL. With words, the library's analysis over
// Pagefind (koc-find.js) finds and ranks them by relevance unless a sort is chosen; with
// filters only, the compact finder/data/ files answer (Pagefind would download its whole
// word index for a search without words).
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
  const labels = JSON.parse(document.getElementById("koc-finder-labels").textContent);
  const form = root.querySelector(".koc-finder__form");
  // The facets, in order, are the form's filters, generated from generator/search/facets.py.
  const FACETS = [...form.querySelectorAll(".koc-finder__multi[data-facet]")].map((d) => d.dataset.facet);
  const input = form.querySelector("[name=q]");
  const sortSelect = form.querySelector("[name=sort]");
  const status = form.querySelector(".koc-finder__status");
  const announce = root.querySelector(".koc-finder__announce");
  const list = root.querySelector(".koc-finder__results ul");
  const more = root.querySelector(".koc-finder__more");
  const meetingInput = form.querySelector("[name=meeting]");
  const facetGroups = Object.fromEntries(FACETS.map((f) => [f, form.querySelector(`[data-facet=${f}]`)]));
  const kitUi = JSON.parse(document.getElementById("koc-finder-kit").textContent);
  const DATE = /^\d{4}-\d{2}-\d{2}$/;
  const listOf = (params, f) => [...new Set(params.getAll(f).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean))];
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  let facetData, results = [], shown = 0, seq = 0, groups = [], vocab = null;
  let sortChosen = false;  // date and score are explicit sorts; otherwise words rank by relevance
  const shards = new Map();

  function readUrl() {
    const params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    sortChosen = ["date", "score", "relevance"].includes(params.get("sort"));
    sortSelect.value = sortChosen ? params.get("sort") : (input.value.trim() ? "relevance" : "date");
    meetingInput.value = DATE.test(params.get("meeting") || "") ? params.get("meeting") : "";
    for (const f of FACETS) fillOptions(f, {}, listOf(params, f).filter((v) => v in (labels[f] || {})));
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
  // other filters (so choosing a second value shows how many it adds).
  function fillOptions(facet, counts, selected) {
    const group = facetGroups[facet];
    const box = group.querySelector(".koc-finder__options");
    const values = Object.keys(labels[facet] || {});
    const known = counts && Object.keys(counts).length;
    const focused = box.contains(document.activeElement) ? document.activeElement.value : null;
    box.innerHTML = values
      .filter((v) => !known || counts[v] || selected.includes(v))
      .map((v) => `<label><input type="checkbox" name="${esc(facet)}" value="${esc(v)}"${selected.includes(v) ? " checked" : ""}> ${esc(labels[facet][v])}${known ? `<span class="koc-finder__count">（${counts[v] || 0}）</span>` : ""}</label>`)
      .join("");
    if (focused !== null) box.querySelector(`input[value="${CSS.escape(focused)}"]`)?.focus();
    group.querySelector(".koc-finder__chosen").textContent = selected.length ? selected.map((v) => labels[facet][v] ?? v).join("、") : "全部";
    group.classList.toggle("koc-finder__multi--active", selected.length > 0);
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
    ...d.meta, url: d.url, excerpt: excerpt(d.meta.text, marked(vocab, groups), 60), why: why(vocab, groups, d.meta.text, d.filters).join("；"),
  });

  // Pagefind's form of the filters: any of the chosen values, and rights lasting until the meeting.
  async function pagefindFilters(chosenValues, meeting) {
    const filters = Object.fromEntries(Object.entries(chosenValues).map(([f, v]) => [f, { any: v }]));
    if (meeting) filters.expires = { any: await lastingUntil(meeting) };
    return filters;
  }

  // Expiry values whose rights last until the meeting ("never" ends: always).
  async function lastingUntil(meeting) {
    const data = await loadFacets();
    return data.values.expires.filter((v) => v === "never" || v >= meeting);
  }

  async function loadFacets() {
    if (!facetData) {
      facetData = await (await fetch(new URL("finder/data/facets.json", base))).json();
      facetData.code = Object.fromEntries(facetData.facets.map((f) => [f, Object.fromEntries(facetData.values[f].map((v, i) => [v, i]))]));
    }
    return facetData;
  }

  // Filters only: match, count and sort the compact rows in the browser.
  async function findLocal(s) {
    const data = await loadFacets();
    const col = (f) => 2 + data.facets.indexOf(f);
    const wanted = Object.entries(s.filters).map(([f, vs]) => [col(f), new Set(vs.map((v) => data.code[f][v] ?? -1))]);
    if (s.meeting) wanted.push([col("expires"), new Set((await lastingUntil(s.meeting)).map((v) => data.code.expires[v]))]);
    const matches = (row, skip) => wanted.every(([c, codes]) => c === skip || row[c].some((code) => codes.has(code)));
    const hits = [];
    data.rows.forEach((row, i) => { if (matches(row)) hits.push(i); });
    if (s.sort === "score") hits.sort((a, b) => data.rows[b][1] - data.rows[a][1] || a - b);
    const filters = {};
    for (const f of FACETS) {
      const c = col(f), counts = {};
      data.rows.forEach((row) => { if (matches(row, c)) for (const code of row[c]) counts[data.values[f][code]] = (counts[data.values[f][code]] || 0) + 1; });
      filters[f] = counts;
    }
    return { filters, local: true, results: hits.map((i) => ({ data: () => card(i) })) };
  }

  async function card(i) {
    const n = Math.floor(i / facetData.shard);
    if (!shards.has(n)) shards.set(n, fetch(new URL(`finder/data/cards-${n}.json`, base)).then((r) => r.json()));
    const [url, title, type, date, credits, uses, expiring, score, image, expiry, id] = (await shards.get(n))[i % facetData.shard];
    return { url: new URL(url.slice(1), base).pathname, title, type, date, credits, uses, expiring, score, image, expiry, id, excerpt: "" };
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
      if (!s.filters[f] || search.local) return search.filters?.[f] || {};
      const others = { ...s.filters };
      delete others[f];
      if (s.q) return results.length ? (await facetCounts(base, groups, await pagefindFilters(others, s.meeting)))?.[f] || {} : {};
      return (await find({ ...s, filters: others })).filters?.[f] || {};
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
      parts.push(`${facetGroups[f].querySelector(".koc-finder__label").textContent} ${values.map((v) => labels[f]?.[v] ?? v).join("或")}`);
    }
    if (s.meeting) parts.push(`会议日期 ${s.meeting}`);
    return parts.length ? `：${parts.join("，")}` : "";
  }

  async function showMore(mine = seq) {
    const page = await Promise.all(results.slice(shown, shown + PAGE).map((r) => r.data()));
    if (mine !== seq) return null;
    const first = list.children.length;
    shown += page.length;
    list.insertAdjacentHTML("beforeend", page.map(cardHtml).join(""));
    more.hidden = shown >= results.length;
    return list.children[first] || null;
  }

  function cardHtml(m) {
    const image = m.image ? `<a class="koc-cover" href="${esc(m.url)}" tabindex="-1"><img src="${esc(m.image.startsWith("https://") ? m.image : new URL(m.image, base).href)}" alt="${esc(m.title)}" loading="lazy"></a>` : "";
    const stars = m.score ? `<span class="koc-stars" role="img" aria-label="评分 ${+m.score}/5">${"★".repeat(+m.score)}${"☆".repeat(5 - m.score)}</span>` : "";
    const permitted = m.uses && m.uses !== "仅供浏览";
    const uses = (m.uses || "").split(" · ").map((u) => `<span class="koc-use${permitted ? "" : " koc-use-none"}">${permitted ? "✓ " : ""}${esc(u)}</span>`).join("");
    const expiry = m.expiry ? `<span class="koc-expiry">${esc(m.expiry)}</span>` : "";
    const warn = m.expiring ? `<span class="koc-expiring">${esc(m.expiring)}</span>` : "";
    const kit = m.id ? `<p class="koc-card-actions"><button type="button" class="koc-kit-add" data-koc-kit-add="${esc(m.id)}" data-label="${esc(kitUi.add)}" data-done="${esc(kitUi.added)}" data-removed="${esc(kitUi.removed)}" data-open="${esc(kitUi.open)}" aria-label="${esc(kitUi.add)}：${esc(m.title)}">＋ ${esc(kitUi.add)}</button></p>` : "";
    return `<li class="koc-card">${image}<p class="koc-card-meta"><span class="koc-badge">${esc(m.type)}</span>${stars} <time>${esc(m.date)}</time></p>` +
      `<p class="koc-card-title"><a href="${esc(m.url)}">${esc(m.title)}</a></p><p class="koc-card-credits">${esc(m.credits)}</p>` +
      (m.why ? `<p class="koc-card-why">${esc(m.why)}</p>` : "") +
      (m.excerpt ? `<p class="koc-card-summary">${m.excerpt}</p>` : "") +
      `<p class="koc-card-uses"><span class="koc-rights">${uses}${expiry}${warn}</span></p>${kit}</li>`;
  }

  async function start() {
    // Words in the URL: fetch Pagefind's script and index meta while the rest starts.
    if (new URLSearchParams(location.search).get("q")) load(base).catch(() => {});
    form.hidden = false;
    readUrl();
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
