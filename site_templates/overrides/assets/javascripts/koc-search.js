// Header search: the library's analysis over Pagefind (koc-find.js), loaded on first use; results as a dropdown.
import { excerpt, findWorks, load, marked, why } from "./koc-find.js";

const root = document.querySelector(".koc-search");
if (root) {
  const base = new URL(root.dataset.kocBase, location.href);
  const input = root.querySelector(".koc-search__input");
  const panel = root.querySelector(".koc-search__results");
  const toggle = root.querySelector(".koc-search__toggle");
  let seq = 0, timer = null;

  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

  async function run() {
    const query = input.value.trim();
    const mine = ++seq;
    if (!query) { panel.hidden = true; panel.innerHTML = ""; return; }
    const found = await findWorks(base, query);
    if (mine !== seq) return;
    const top = await Promise.all(found.results.slice(0, 8).map((r) => r.data()));
    if (mine !== seq) return;
    const finder = `${root.dataset.kocFinder}?q=${encodeURIComponent(query)}`;
    panel.innerHTML = top.length
      ? top.map((d) => {
          const reasons = why(found.vocab, found.groups, d.meta.text, d.filters);
          return `<a class="koc-search__hit" href="${esc(d.url)}">
          <span class="koc-search__title">${esc(d.meta.title)}</span>
          <span class="koc-search__meta">${esc(d.meta.type)} · ${esc(d.meta.date)} · ${esc(d.meta.credits)}</span>
          ${reasons.length ? `<span class="koc-search__why">${esc(reasons.join("；"))}</span>` : ""}
          <span class="koc-search__excerpt">${excerpt(d.meta.text, marked(found.vocab, found.groups), 48)}</span></a>`;
        }).join("") +
        `<a class="koc-search__all" href="${finder}">在案例查找中查看全部 ${found.results.length} 条结果 →</a>`
      : `<p class="koc-search__none">没有找到“${esc(query)}”。<a href="${finder}">去案例查找</a></p>`;
    panel.hidden = false;
    panel.dataset.for = query;  // what the dropdown now answers (tests and the benchmark wait for it)
  }

  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 150); });
  input.addEventListener("focus", () => { load(base); if (panel.innerHTML) panel.hidden = false; });
  document.addEventListener("click", (e) => { if (!root.contains(e.target)) panel.hidden = true; });
  input.addEventListener("keydown", (e) => { if (e.key === "Escape") { panel.hidden = true; input.blur(); } });
  toggle.addEventListener("click", () => {
    const open = root.classList.toggle("koc-search--open");
    toggle.setAttribute("aria-expanded", String(open));
    if (open) input.focus();
  });
}
