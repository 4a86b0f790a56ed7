// Header search: Pagefind's JS API, loaded on first use; results as a dropdown of links.
// Keyboard: ↓ from the box enters the results, ↑/↓ move between them, Esc closes them
// and returns to the box (a second Esc closes the box on a phone). The count of results
// is announced through a status region.
const root = document.querySelector(".koc-search");
if (root) {
  const base = new URL(root.dataset.kocBase, location.href);
  const input = root.querySelector(".koc-search__input");
  const panel = root.querySelector(".koc-search__results");
  const status = root.querySelector(".koc-search__status");
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
  const links = () => [...panel.querySelectorAll("a")];

  function close() {
    panel.hidden = true;
  }

  async function run() {
    const query = input.value.trim();
    const mine = ++seq;
    if (!query) { close(); panel.innerHTML = ""; status.textContent = ""; return; }
    const pf = await load();
    const search = await pf.debouncedSearch(query, {}, 150);
    if (search === null || mine !== seq) return;
    const top = await Promise.all(search.results.slice(0, 8).map((r) => r.data()));
    if (mine !== seq) return;
    const finder = `${root.dataset.kocFinder}?q=${encodeURIComponent(query)}`;
    const total = search.results.length;
    panel.innerHTML = top.length
      ? `<ul class="koc-search__list" aria-label="搜索结果">` + top.map((d) => `<li><a class="koc-search__hit" href="${esc(d.url)}">
          <span class="koc-search__title">${esc(d.meta.title)}</span>
          <span class="koc-search__meta">${esc(d.meta.type)} · ${esc(d.meta.date)} · ${esc(d.meta.credits)}</span>
          <span class="koc-search__excerpt">${d.excerpt}</span></a></li>`).join("") + `</ul>` +
        `<a class="koc-search__all" href="${finder}">在案例查找中查看全部 ${total} 条结果 →</a>`
      : `<p class="koc-search__none">没有找到“${esc(query)}”。<a href="${finder}">去案例查找</a></p>`;
    panel.hidden = false;
    status.textContent = total ? `找到 ${total} 件作品，按下方向键浏览。` : `没有找到“${query}”。`;
  }

  function move(from, step) {
    const all = links();
    const i = all.indexOf(from) + step;
    if (i < 0) input.focus();
    else if (i < all.length) all[i].focus();
  }

  input.addEventListener("input", run);
  input.addEventListener("focus", () => { load(); if (panel.innerHTML) panel.hidden = false; });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" && !panel.hidden && links().length) { e.preventDefault(); links()[0].focus(); }
    else if (e.key === "Escape") {
      e.preventDefault();
      if (!panel.hidden) close();
      else if (root.classList.contains("koc-search--open")) { setOpen(false); toggle.focus(); }
    }
  });
  panel.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") { e.preventDefault(); move(e.target, e.key === "ArrowDown" ? 1 : -1); }
    else if (e.key === "Escape") { e.preventDefault(); close(); input.focus(); }
  });
  // Leaving the search with Tab or a click elsewhere folds the results away.
  root.addEventListener("focusout", (e) => { if (!root.contains(e.relatedTarget)) close(); });
  document.addEventListener("click", (e) => { if (!root.contains(e.target)) close(); });

  function setOpen(open) {
    root.classList.toggle("koc-search--open", open);
    toggle.setAttribute("aria-expanded", String(open));
    if (open) input.focus();
  }
  toggle.addEventListener("click", () => setOpen(!root.classList.contains("koc-search--open")));
}
