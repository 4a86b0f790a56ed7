// Header search: Pagefind's JS API, loaded on first use; results as a dropdown.
const root = document.querySelector(".koc-search");
if (root) {
  const base = new URL(root.dataset.kocBase, location.href);
  const input = root.querySelector(".koc-search__input");
  const panel = root.querySelector(".koc-search__results");
  const toggle = root.querySelector(".koc-search__toggle");
  let pagefind = null;
  let seq = 0;

  async function load() {
    if (!pagefind) {
      pagefind = await import(new URL("pagefind/pagefind.js", base).href);
      await pagefind.options({ baseUrl: base.pathname, excerptLength: 24 });
      pagefind.init();
    }
    return pagefind;
  }

  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

  async function run() {
    const query = input.value.trim();
    const mine = ++seq;
    if (!query) { panel.hidden = true; panel.innerHTML = ""; return; }
    const pf = await load();
    const search = await pf.debouncedSearch(query, {}, 150);
    if (search === null || mine !== seq) return;
    const top = await Promise.all(search.results.slice(0, 8).map((r) => r.data()));
    if (mine !== seq) return;
    const finder = `${root.dataset.kocFinder}?q=${encodeURIComponent(query)}`;
    panel.innerHTML = top.length
      ? top.map((d) => `<a class="koc-search__hit" href="${esc(d.url)}">
          <span class="koc-search__title">${esc(d.meta.title)}</span>
          <span class="koc-search__meta">${esc(d.meta.type)} · ${esc(d.meta.date)} · ${esc(d.meta.credits)}</span>
          <span class="koc-search__excerpt">${d.excerpt}</span></a>`).join("") +
        `<a class="koc-search__all" href="${finder}">在案例查找中查看全部 ${search.results.length} 条结果 →</a>`
      : `<p class="koc-search__none">没有找到“${esc(query)}”。<a href="${finder}">去案例查找</a></p>`;
    panel.hidden = false;
  }

  input.addEventListener("input", run);
  input.addEventListener("focus", () => { load(); if (panel.innerHTML) panel.hidden = false; });
  document.addEventListener("click", (e) => { if (!root.contains(e.target)) panel.hidden = true; });
  input.addEventListener("keydown", (e) => { if (e.key === "Escape") { panel.hidden = true; input.blur(); } });
  toggle.addEventListener("click", () => {
    const open = root.classList.toggle("koc-search--open");
    toggle.setAttribute("aria-expanded", String(open));
    if (open) input.focus();
  });
}
